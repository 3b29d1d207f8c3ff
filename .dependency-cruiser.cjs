// Which way dependencies may point (issue 12): the pure core (metrics, policy) knows nothing of the
// guard, probes, CLI or analysis; the library core knows nothing of the CLI, sweeps, organisms or
// reports; plugins/ is a leaf the core does not import (the package entry registers the built-ins).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'pure-core-stays-pure',
      comment: 'metrics and policy are pure functions: no guard, probes, CLI or analysis',
      severity: 'error',
      from: { path: '^src/(metrics|policy)/' },
      to: { path: '^src/(guard|probes|cli|analysis|sweep|organism|report|screen|forecast)/' },
    },
    {
      name: 'core-not-research',
      comment: 'the library core does not depend on the CLI, sweeps, organisms or reports',
      severity: 'error',
      from: { path: '^src/(metrics|policy|guard|probes|checkpoints|runlog|io|npy|backend|training|mitigation|util)/' },
      to: { path: '^src/(cli|sweep|organism|report|screen|forecast)/' },
    },
    {
      name: 'plugins-are-a-leaf',
      comment: 'plugins/ builds on src/; only the package entry (composition root) imports plugins',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(index|research|registerBuiltins)\\.ts$' },
      to: { path: '^plugins/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
