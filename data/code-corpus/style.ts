import type { Draw } from './draw';

export type SizeStyle = 'literal' | 'constant' | 'argument' | 'config';

/**
 * Writes a family's body as a program, choosing how its sizes reach the code. Real programs
 * do all four: literals in loops, `const N = ...` at the top, sizes passed to a `main(n)`,
 * and options objects (which static analysis cannot fold: the estimator must cope with that).
 */
export function render(body: string, sizes: Record<string, number>, draw: Draw): { code: string; style: SizeStyle } {
  const style = draw.pick<SizeStyle>(['literal', 'constant', 'constant', 'argument', 'argument', 'config']);
  const names = Object.keys(sizes).filter((name) => body.includes(`$${name}`));
  const literal = (v: number) => (v >= 1e5 && v % 1000 === 0 && draw.chance(0.5) ? v.toExponential().replace('+', '') : String(v));
  const use = (ref: (name: string) => string) => body.replace(/\$([A-Z][A-Z0-9]*)/g, (_, name: string) => ref(name));
  switch (style) {
    case 'literal':
      return { code: use((name) => literal(sizes[name]!)), style };
    case 'constant':
      return { code: `${names.map((n) => `const ${n} = ${literal(sizes[n]!)};`).join('\n')}\n${use((n) => n)}\n`, style };
    case 'argument': {
      const indented = use((n) => n).split('\n').map((l) => `  ${l}`).join('\n');
      return { code: `function main(${names.join(', ')}) {\n${indented}\n}\n\nmain(${names.map((n) => literal(sizes[n]!)).join(', ')});\n`, style };
    }
    case 'config':
      return { code: `const options = { ${names.map((n) => `${n.toLowerCase()}: ${sizes[n]}`).join(', ')} };\n${use((n) => `options.${n.toLowerCase()}`)}\n`, style };
  }
}
