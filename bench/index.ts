// `npm run bench`: every benchmark scenario in one run, printing figures (never asserting).
// `npm run bench -- metrics checkpoint` runs a subset.
const scenarios: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  metrics: () => import('./metrics.js'),
  guard: () => import('./guardOverhead.js'),
  checkpoint: () => import('./checkpoint.js'),
  cold: () => import('./analyzeCold.js'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in scenarios));
if (unknown.length > 0) {
  console.error(`bench: unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
console.log(`em-guard bench, ${new Date().toISOString()}, node ${process.version}`);
for (const name of wanted.length ? wanted : Object.keys(scenarios)) {
  const mod = await scenarios[name]!();
  await mod.run();
}
