/**
 * Cheap checks on raw source before it reaches the parser, whose recursive descent (and the
 * AST converter after it) can overflow the stack on deeply nested input.
 */

/**
 * Deepest bracket nesting ((), [], {}), skipping strings, template text and comments. Regular
 * expression literals are not recognised, so a bracket inside one may count: the result can
 * only overstate depth, which errs on the side of refusing.
 */
export function bracketDepth(source: string, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  // Template literals nest: `a ${ `b ${c}` }`. Each entry is the bracket depth at which a
  // template's `${` was opened, so its closing `}` returns to template text.
  const templates: number[] = [];
  let i = 0;
  const n = source.length;
  let inTemplate = false;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (inTemplate) {
      if (c === 92) i += 2; // backslash escape
      else if (c === 96) { inTemplate = false; i++; } // closing backtick
      else if (c === 36 && source.charCodeAt(i + 1) === 123) { templates.push(depth); depth++; inTemplate = false; i += 2; }
      else i++;
      continue;
    }
    if (c === 47 && source.charCodeAt(i + 1) === 47) { // line comment
      const end = source.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === 47 && source.charCodeAt(i + 1) === 42) { // block comment
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === 34 || c === 39) { // quoted string
      i++;
      while (i < n && source.charCodeAt(i) !== c && source.charCodeAt(i) !== 10) i += source.charCodeAt(i) === 92 ? 2 : 1;
      i++;
    } else if (c === 96) {
      inTemplate = true;
      i++;
    } else {
      if (c === 40 || c === 91 || c === 123) {
        depth++;
        if (depth > max) {
          max = depth;
          if (max > stopAbove) return max;
        }
      } else if (c === 41 || c === 93 || c === 125) {
        depth = Math.max(0, depth - 1);
        if (c === 125 && templates.length > 0 && templates[templates.length - 1] === depth) {
          templates.pop();
          inTemplate = true;
        }
      }
      i++;
    }
  }
  return max;
}

/** Total lines, and lines holding code (not blank, not only comment). */
export function countLines(source: string): { lines: number; loc: number } {
  let lines = 0;
  let loc = 0;
  let inBlock = false;
  for (const raw of source.split('\n')) {
    lines++;
    let line = raw.trim();
    if (inBlock) {
      const end = line.indexOf('*/');
      if (end < 0) continue;
      inBlock = false;
      line = line.slice(end + 2).trim();
    }
    if (line.startsWith('/*')) {
      const end = line.indexOf('*/', 2);
      if (end < 0) {
        inBlock = true;
        continue;
      }
      line = line.slice(end + 2).trim();
    }
    if (line.length > 0 && !line.startsWith('//')) loc++;
  }
  return { lines, loc };
}
