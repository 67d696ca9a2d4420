const N = 34312;
const program = [['push', 1], ['store', 0], ['load', 0], ['push', 1], ['add'], ['store', 0], ['load', 0], ['push', N], ['lt'], ['jnz', 2], ['load', 0], ['print']];
function run(code) {
  const stack = [], mem = [0];
  let pc = 0, out = null;
  while (pc < code.length) {
    const [op, arg] = code[pc++];
    switch (op) {
      case 'push': stack.push(arg); break;
      case 'store': mem[arg] = stack.pop(); break;
      case 'load': stack.push(mem[arg]); break;
      case 'add': stack.push(stack.pop() + stack.pop()); break;
      case 'lt': { const b = stack.pop(), a = stack.pop(); stack.push(a < b ? 1 : 0); break; }
      case 'jnz': if (stack.pop()) pc = arg; break;
      case 'print': out = stack.pop(); break;
    }
  }
  return out;
}
console.log(run(program));
