const N = 163037;
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
let text = '';
for (let i = 0; i < N; i++) text += words[(i * 7) % words.length] + ' ';
const freq = {};
for (const w of text.trim().split(/\s+/)) freq[w] = (freq[w] || 0) + 1;
console.log(Object.keys(freq).length);
