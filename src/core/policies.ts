/** The policies of a fold; docs/SEMANTICS.md says what each does, README says why the defaults. */

export const PII_POLICIES = ['drop', 'hash', 'keep'] as const;
export const DUPLICATES_POLICIES = ['last', 'first', 'reject'] as const;
export const NULLS_POLICIES = ['overwrite', 'coalesce'] as const;

export type PiiPolicy = (typeof PII_POLICIES)[number];
export type DuplicatesPolicy = (typeof DUPLICATES_POLICIES)[number];
export type NullsPolicy = (typeof NULLS_POLICIES)[number];

export interface Policies {
  pii: PiiPolicy;
  duplicates: DuplicatesPolicy;
  nulls: NullsPolicy;
}

export const DEFAULT_POLICIES: Policies = { pii: 'drop', duplicates: 'last', nulls: 'overwrite' };
