import type { Position } from './locatedNode.js';
import type { Policy, Rule } from './policy.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One rule entry of one file: a full rule, or `{ name, enabled: false }` removing an inherited one. */
export interface RuleEntry {
  readonly name: string;
  /** Index in the file's `rules` list, for error paths. */
  readonly index: number;
  readonly pos: Position;
  /** null when the entry is `enabled: false`. */
  readonly rule: Rule | null;
  readonly layerPos?: Position;
  /** Where each `unless` condition names its layer (undefined for one without `layer`). */
  readonly unlessLayerPos?: readonly (Position | undefined)[];
}

/**
 * What one policy file says, validated key by key but not yet merged with what it extends: only
 * the keys the file sets are present, each with the position needed for cross-file errors.
 */
export interface PolicyLayer {
  readonly file: string;
  readonly rootPos: Position;
  readonly extends?: { readonly value: string; readonly pos: Position };
  readonly check: Partial<Mutable<Policy['check']>>;
  readonly checkpoint: Partial<Mutable<Policy['checkpoint']>>;
  /** Absent when the file has no `rules` key. */
  readonly rules?: readonly RuleEntry[];
}
