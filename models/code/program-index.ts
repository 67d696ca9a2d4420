import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { unlimited, type StepBudget } from './budget';

export type Node = TSESTree.Node;

/** One function in the source: declarations, expressions, arrows, methods. */
export interface FunctionInfo {
  /** Name it is called by, when it has one (a method is called by its key, a constructor by its class). */
  name?: string;
  params: string[];
  node: Node;
  /** Index of the lexically enclosing function; -1 for the program itself. */
  parent: number;
}

/** A call to a named user function, with the caller's function index and the argument nodes. */
export interface CallSite {
  caller: number;
  args: Node[];
}

/**
 * What one pre-pass over the AST learns before features are computed: the functions, the
 * call sites of named functions, and variable initialisers (for constant folding).
 * Index 0 is the program itself, treated as a function with no parameters.
 */
export interface ProgramIndex {
  functions: FunctionInfo[];
  functionOf: Map<Node, number>;
  byName: Map<string, number[]>;
  /**
   * Call sites by the name called. Every function of that name is taken to receive each of
   * them (see `callSitesOf`); keeping them by name, not per function, keeps the index linear
   * when a source defines one name many times.
   */
  callsByName: Map<string, CallSite[]>;
  /** Initialisers of variables by name (all scopes flattened; shadowing is rare in practice). */
  initialisers: Map<string, { init: Node; fn: number }[]>;
  /** Variables assigned after their declaration: not constants. */
  reassigned: Set<string>;
  /** Functions passed straight to a call (callbacks) or called where defined (IIFEs): they run as part of the caller. */
  inline: Set<Node>;
  /**
   * Where a named array or object grows: `xs.push(...)` / `unshift` (appends) and `xs[k] = v`
   * (index writes), each with the loops around it in its function, innermost first. An array
   * that starts as `[]` is as long as the loops that fill it run, not 0.
   */
  growth: Map<string, GrowthSite[]>;
  /** `obj.key` properties assigned somewhere (as `obj.key`): an object literal's value for them is not a constant. */
  reassignedMembers: Set<string>;
}

/** One statement that grows a named collection, and the loops that repeat it. */
export interface GrowthSite {
  kind: 'append' | 'index';
  fn: number;
  /** Arguments appended at once (`push(a, b)` appends two). */
  items: number;
  loops: Node[];
}

/** Enclosing loops of a node within its function, as a shared linked list (no copying per node). */
interface LoopChain {
  loop: Node;
  up: LoopChain | undefined;
}

const loopTypes = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);

const namingTypes = new Set(['VariableDeclarator', 'AssignmentExpression', 'Property', 'PropertyDefinition', 'MethodDefinition', 'ClassDeclaration', 'ClassExpression', 'ClassBody']);
const functionTypes = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

export function isFunction(node: Node): node is TSESTree.FunctionLike & (TSESTree.FunctionDeclaration | TSESTree.FunctionExpression | TSESTree.ArrowFunctionExpression) {
  return functionTypes.has(node.type);
}

/** Child nodes in source order, found generically so every node type is covered. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  for (const key in node) {
    if (key === 'parent' || key === 'loc' || key === 'range' || key === 'decorators' || key === 'typeAnnotation' || key === 'returnType' || key === 'typeParameters' || key === 'typeArguments') continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) out.push(v);
    } else if (isNode(value)) {
      out.push(value);
    }
  }
  return out;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function calleeName(callee: Node): string | undefined {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  return undefined;
}

/** Builds the index in one iterative pass (no recursion: hostile nesting cannot overflow it). */
export function indexProgram(program: TSESTree.Program, budget: StepBudget = unlimited()): ProgramIndex {
  const index: ProgramIndex = {
    functions: [{ params: [], node: program, parent: -1 }],
    functionOf: new Map([[program as Node, 0]]),
    byName: new Map(),
    callsByName: new Map(),
    initialisers: new Map(),
    reassigned: new Set(),
    inline: new Set(),
    growth: new Map(),
    reassignedMembers: new Set(),
  };
  const stack: { node: Node; fn: number; name?: string; loops?: LoopChain }[] = [{ node: program, fn: 0 }];
  while (stack.length > 0) {
    budget.spend();
    const { node, fn, name, loops: around } = stack.pop()!;
    // Loops repeat what is in them only within one function: a function body starts afresh.
    let loops = around;
    let inner = fn;
    if (isFunction(node)) {
      inner = index.functions.length;
      const own = node.type === 'FunctionDeclaration' && node.id ? node.id.name : name;
      index.functions.push({ name: own, params: node.params.map(paramName), node, parent: fn });
      index.functionOf.set(node, inner);
      if (own) push(index.byName, own, inner);
      loops = undefined;
    }
    const names = namesForChildren(node, name);
    switch (node.type) {
      case 'VariableDeclarator':
        if (node.id.type === 'Identifier' && node.init) push(index.initialisers, node.id.name, { init: node.init, fn: inner });
        break;
      case 'AssignmentExpression':
        if (node.left.type === 'Identifier') index.reassigned.add(node.left.name);
        // `s += piece` in a loop builds a string as long as the loop runs (in pieces).
        if (node.left.type === 'Identifier' && node.operator === '+=') push(index.growth, node.left.name, { kind: 'append', fn: inner, items: 1, loops: chainToList(loops, budget) });
        noteMemberWrite(index, node.left, inner, loops, budget);
        break;
      case 'UpdateExpression':
        if (node.argument.type === 'Identifier') index.reassigned.add(node.argument.name);
        else if (node.argument.type === 'MemberExpression') noteMemberWrite(index, node.argument, inner, undefined, budget);
        break;
      case 'CallExpression':
      case 'NewExpression': {
        const called = calleeName(node.callee);
        if (called) push(index.callsByName, called, { caller: inner, args: node.arguments });
        if (isFunction(node.callee)) index.inline.add(node.callee);
        for (const arg of node.arguments) if (isFunction(arg)) index.inline.add(arg);
        const callee = node.callee;
        if ((called === 'push' || called === 'unshift') && callee.type === 'MemberExpression' && callee.object.type === 'Identifier') {
          push(index.growth, callee.object.name, { kind: 'append', fn: inner, items: Math.max(1, node.arguments.length), loops: chainToList(loops, budget) });
        }
        break;
      }
      default:
        break;
    }
    const loop = loopTypes.has(node.type);
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i]!;
      const inLoop = loop && repeatsWithLoop(node, child);
      stack.push({ node: child, fn: inner, name: names?.get(child), loops: inLoop ? { loop: node, up: loops } : loops });
    }
  }
  return index;
}

/** The visible calls of function `fn`: every call by its name (so, of every function of that name). */
export function callSitesOf(index: ProgramIndex, fn: number): CallSite[] {
  const name = index.functions[fn]?.name;
  return (name !== undefined && index.callsByName.get(name)) || [];
}

/**
 * Names that a child function takes from where it is defined: `const f = () => {}`, `{ f() {} }`,
 * class constructors. Undefined for the many node types that name nothing, so no map is built per node.
 */
function namesForChildren(node: Node, ownName: string | undefined): Map<Node, string> | undefined {
  if (!namingTypes.has(node.type)) return undefined;
  const names = new Map<Node, string>();
  switch (node.type) {
    case 'VariableDeclarator':
      if (node.id.type === 'Identifier' && node.init) names.set(node.init, node.id.name);
      break;
    case 'AssignmentExpression': {
      const name = calleeName(node.left);
      if (name) names.set(node.right, name);
      break;
    }
    case 'Property':
    case 'PropertyDefinition': {
      const name = node.computed ? undefined : keyName(node.key);
      if (name && node.value) names.set(node.value, name);
      break;
    }
    case 'MethodDefinition': {
      const name = node.kind === 'constructor' ? ownName : node.computed ? undefined : keyName(node.key);
      if (name) names.set(node.value, name);
      break;
    }
    case 'ClassDeclaration':
    case 'ClassExpression': {
      const name = node.id?.name ?? ownName;
      if (name) names.set(node.body, name);
      break;
    }
    case 'ClassBody':
      if (ownName) for (const member of node.body) if (member.type === 'MethodDefinition' && member.kind === 'constructor') names.set(member, ownName);
      break;
    default:
      break;
  }
  return names;
}

/** `xs[k] = v` grows `xs`; `obj.key = v` makes `obj.key` no constant. */
function noteMemberWrite(index: ProgramIndex, target: Node, fn: number, loops: LoopChain | undefined, budget: StepBudget): void {
  if (target.type !== 'MemberExpression' || target.object.type !== 'Identifier') return;
  if (!target.computed && target.property.type === 'Identifier') index.reassignedMembers.add(`${target.object.name}.${target.property.name}`);
  else if (target.computed) push(index.growth, target.object.name, { kind: 'index', fn, items: 1, loops: chainToList(loops, budget) });
}

function chainToList(chain: LoopChain | undefined, budget: StepBudget): Node[] {
  const out: Node[] = [];
  for (let c = chain; c; c = c.up) out.push(c.loop);
  budget.spend(out.length);
  return out;
}

/** Whether `child` of a loop runs once per iteration (the body, test and update; not a for's init). */
export function repeatsWithLoop(loop: Node, child: Node): boolean {
  switch (loop.type) {
    case 'ForStatement': return child === loop.body || child === loop.test || child === loop.update;
    case 'WhileStatement':
    case 'DoWhileStatement': return true;
    case 'ForInStatement':
    case 'ForOfStatement': return child === loop.body;
    default: return false;
  }
}

function keyName(key: Node): string | undefined {
  return key.type === 'Identifier' ? key.name : key.type === 'Literal' ? String(key.value) : undefined;
}

function paramName(param: Node): string {
  if (param.type === 'Identifier') return param.name;
  if (param.type === 'AssignmentPattern' && param.left.type === 'Identifier') return param.left.name;
  if (param.type === 'TSParameterProperty' && param.parameter.type === 'Identifier') return param.parameter.name;
  return '';
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
