/**
 * The version of the machine contract (docs/CONTRACTS.md) that every run report, status file and event
 * carries as `schemaVersion`, described by the JSON Schemas in `schemas/` of this package. Within one
 * version fields are only added, never removed, renamed or retyped: a change that would break a consumer
 * takes the next version.
 */
export const SCHEMA_VERSION = '1';
