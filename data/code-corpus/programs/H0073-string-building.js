const N = 379398;
let s = '';
for (let i = 0; i < N; i++) s += String.fromCharCode(97 + (i % 26));
let vowels = 0;
for (let i = 0; i < s.length; i++) if ('aeiou'.includes(s[i])) vowels++;
console.log(s.length, vowels);
