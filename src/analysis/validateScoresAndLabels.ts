import { assertFiniteVector, assertSameLength, describeValue } from './validateInput.js';

/** Validates scores and 0/1 (or boolean) labels for the ROC functions; returns labels as booleans. */
export function validateScoresAndLabels(where: string, scores: unknown, labels: unknown): boolean[] {
  assertFiniteVector(where, 'scores', scores, 1);
  if (!Array.isArray(labels)) throw new TypeError(`${where}: expected \`labels\` to be an array of 0/1 or booleans, got ${describeValue(labels)}`);
  assertSameLength(where, 'scores', scores, 'labels', labels);
  return labels.map((label: unknown, i) => {
    if (label === 1 || label === true) return true;
    if (label === 0 || label === false) return false;
    throw new RangeError(`${where}: expected \`labels[${i}]\` to be 0, 1, true or false (1 = positive, e.g. misaligned run), got ${describeValue(label)}`);
  });
}
