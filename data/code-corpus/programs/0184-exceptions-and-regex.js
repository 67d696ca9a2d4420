function main(N) {
  const re = /^(\w+)@(\w+)\.(com|org|net)$/;
  let ok = 0, bad = 0;
  for (let i = 0; i < N; i++) {
    const s = i % 3 ? 'user' + i + '@host' + (i % 10) + '.com' : 'broken-' + i;
    try {
      if (!re.test(s)) throw new Error('bad address ' + s);
      ok++;
    } catch (e) {
      bad++;
    }
  }
  console.log(ok, bad);
}

main(272265);
