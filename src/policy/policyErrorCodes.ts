/**
 * Stable codes of `PolicyProblem.code`. Tests and tools match on these, never on message wording;
 * the README lists them with their meaning. Never rename one; add new ones.
 */
export const POLICY_ERROR_CODES = {
  /** The policy file (or an `extends` target file) does not exist or cannot be read. */
  fileNotFound: 'file-not-found',
  /** The input is larger than `MAX_POLICY_BYTES`; nothing was parsed. */
  fileTooLarge: 'file-too-large',
  /** The file is not valid UTF-8 (position of the first bad byte). */
  invalidUtf8: 'invalid-utf8',
  /** A tab character in the indentation of a line. */
  tabIndent: 'tab-indent',
  /** YAML syntax the parser rejected (message from the parser, one line). */
  yamlSyntax: 'yaml-syntax',
  /** A key appears twice in one mapping. */
  duplicateKey: 'duplicate-key',
  /** More than one YAML document (`---`) in one file. */
  multipleDocuments: 'multiple-documents',
  /** A YAML tag (`!foo`, `!!str`): policies are plain data, tags are never resolved. */
  tagNotAllowed: 'tag-not-allowed',
  /** Too many alias (`*name`) expansions or an undefined alias: alias bombs are refused. */
  aliasLimit: 'alias-limit',
  /** Nesting deeper than any valid policy needs. */
  tooDeep: 'too-deep',
  /** A mapping key that the format does not have (with a "did you mean"). */
  unknownKey: 'unknown-key',
  /** A required key is absent. */
  missingKey: 'missing-key',
  /** A value of the wrong YAML type (e.g. a string where a number is expected). */
  wrongType: 'wrong-type',
  /** A number outside its allowed range, or not an integer where one is required. */
  outOfRange: 'out-of-range',
  /** A value not among the allowed ones (e.g. `op: "=<"`), or a malformed name. */
  invalidValue: 'invalid-value',
  /** Both of two mutually exclusive keys (e.g. `every: {batches, epochs}`). */
  exclusiveKeys: 'exclusive-keys',
  /** `version` is not 1. */
  unsupportedVersion: 'unsupported-version',
  /** A metric name that is not registered (built-in or plugin). */
  unknownMetric: 'unknown-metric',
  /** An action name that is not registered (built-in or plugin). */
  unknownAction: 'unknown-action',
  /** `layer` on a metric that has no per-layer values (e.g. `loss`). */
  metricNotPerLayer: 'metric-not-per-layer',
  /** A rule's `layer` is not in `check.layers` (when that is a list). */
  unknownLayer: 'unknown-layer',
  /** Two rules of one file share a name. */
  duplicateRuleName: 'duplicate-rule-name',
  /** `enabled: false` names a rule that no extended policy defines. */
  unknownRule: 'unknown-rule',
  /** The resolved policy has no rule: it could never act. */
  noRules: 'no-rules',
  /** `extends` names neither a bundled policy nor an existing file. */
  extendsNotFound: 'extends-not-found',
  /** `extends` points outside the extending file's directory. */
  extendsEscape: 'extends-escape',
  /** `extends` chain loops back to a policy already in it, or is longer than the limit. */
  extendsCycle: 'extends-cycle',
} as const;

/** One of the `POLICY_ERROR_CODES` values. */
export type PolicyErrorCode = (typeof POLICY_ERROR_CODES)[keyof typeof POLICY_ERROR_CODES];
