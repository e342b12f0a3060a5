// Builtins of this family are being written; see index.ts for the registry.
import type { BuiltinSpec } from '../value/values.js';

export const stringsBuiltins: BuiltinSpec[] = [];
