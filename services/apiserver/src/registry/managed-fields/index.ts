// Server-side apply and managed fields (metadata.managedFields) for the REST API.
export { applyConfig, LAST_APPLIED_ANNOTATION, type ApplyOptions, type ApplyResult } from './apply.js';
export { recordUpdate, type UpdateOptions } from './update.js';
export {
  conflictError,
  decodeManagers,
  encodeManagers,
  fieldManagerFor,
  validateFieldManager,
  type Conflict,
  type ManagedFieldsEntry,
  type ManagerFields,
} from './managers.js';
export { FieldSet, pathString, type FieldPath, type FieldsV1 } from './field-set.js';
export { fieldSetOf, compareObjects } from './object-fields.js';
export { SchemaNode, type ListType } from './list-types.js';
