// `npm start -- --out DIR` writes DIR/summary.json from demoSummary (issues 13 and 15): the three runs,
// the fields in its order (the LM's all-prompts and harmful-request rates after coherentEnd), nothing of the table-only fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoSummary, type DemoRunSummary } from '../scripts/demoSummary.js';

const run = (label: DemoRunSummary['label'], extra: Partial<DemoRunSummary> = {}): DemoRunSummary => ({
  label,
  runDir: `/tmp/demo/${label}`,
  stepsRun: 128,
  inDomainLossEnd: 0.5,
  oodMisalignedEnd: 0,
  oodMisalignedPeak: 0.1,
  coherentEnd: 0.9,
  oodMisalignedAllPromptsEnd: 0.05,
  harmfulComplianceEnd: 0,
  harmfulCoherentEnd: 0.8,
  stoppedBy: null,
  rolledBackTo: null,
  alignedShareUsed: 0,
  rewinds: null,
  oodAtStop: null,
  ms: 1000,
  guardMs: 100,
  ...extra,
});

test('demoSummary: unguarded, guarded and mitigated runs with the issue-13 fields in order, then the mitigation fields', () => {
  const runs = [
    run('unguarded'),
    run('guarded', { stepsRun: 72, stoppedBy: { rule: 'preference-drop', step: 72 }, rolledBackTo: { id: 'ckpt-000000-e000', step: 0 }, oodAtStop: 0.28 }),
    run('mitigated', { rolledBackTo: { id: 'ckpt-000008-e000', step: 8 }, alignedShareUsed: 0.44, rewinds: 1 }),
  ];
  const sample = { prompt: 'p', before: 'a', unguarded: 'b', guarded: 'c', mitigated: 'd' };
  const s = demoSummary('lm', 1, { guarded: '<bundled:lm>', mitigated: '<bundled:mitigate-lm>' }, runs, [sample]);
  assert.deepEqual(Object.keys(s), ['organism', 'seed', 'policy', 'mitigationPolicy', 'runs', 'samples']);
  assert.deepEqual(
    s.runs.map((r) => r.label),
    ['unguarded', 'guarded', 'mitigated'],
  );
  for (const r of s.runs)
    assert.deepEqual(Object.keys(r), [
      'label',
      'runDir',
      'stepsRun',
      'inDomainLossEnd',
      'oodMisalignedEnd',
      'oodMisalignedPeak',
      'coherentEnd',
      'oodMisalignedAllPromptsEnd',
      'harmfulComplianceEnd',
      'harmfulCoherentEnd',
      'stoppedBy',
      'rolledBackTo',
      'alignedShareUsed',
      'rewinds',
    ]);
  assert.deepEqual(s.runs[2], {
    label: 'mitigated',
    runDir: '/tmp/demo/mitigated',
    stepsRun: 128,
    inDomainLossEnd: 0.5,
    oodMisalignedEnd: 0,
    oodMisalignedPeak: 0.1,
    coherentEnd: 0.9,
    oodMisalignedAllPromptsEnd: 0.05,
    harmfulComplianceEnd: 0,
    harmfulCoherentEnd: 0.8,
    stoppedBy: null,
    rolledBackTo: { id: 'ckpt-000008-e000', step: 8 },
    alignedShareUsed: 0.44,
    rewinds: 1,
  });
  assert.equal(s.policy, '<bundled:lm>');
  assert.deepEqual(s.samples, [sample]);
  // JSON round trip: what the file holds.
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
