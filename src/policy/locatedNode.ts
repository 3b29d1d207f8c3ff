/** A 1-based position in a policy file. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/**
 * A YAML value with the position it was written at: the policy validator works on this small
 * tree instead of the `yaml` package's AST, so positions survive and no YAML feature (tags,
 * anchors, merge keys) leaks into validation.
 */
export type LocatedNode =
  | { readonly kind: 'scalar'; readonly value: string | number | boolean | null; readonly pos: Position }
  | { readonly kind: 'map'; readonly entries: readonly LocatedEntry[]; readonly pos: Position }
  | { readonly kind: 'seq'; readonly items: readonly LocatedNode[]; readonly pos: Position };

/** One `key: value` of a mapping; keys are always strings (other keys are rejected on reading). */
export interface LocatedEntry {
  readonly key: string;
  readonly keyPos: Position;
  readonly value: LocatedNode;
}
