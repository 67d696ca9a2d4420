/**
 * An error the registry answers with, shaped as Confluent's: the HTTP status plus the finer
 * `error_code` clients branch on (40401 subject not found, 409 incompatible, 42201 invalid
 * schema, ...). See Confluent's Schema Registry API reference, "Errors".
 */
export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const subjectNotFound = (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`);
export const versionNotFound = (subject: string, version: string | number) =>
  new RegistryError(404, 40402, `Version ${version} not found for subject '${subject}'.`);
export const schemaNotFound = (what: string) => new RegistryError(404, 40403, `Schema ${what} not found.`);
export const subjectNotSoftDeleted = (subject: string) =>
  new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted.`);
export const subjectConfigNotFound = (subject: string) =>
  new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured.`);
export const invalidSchema = (why: string) => new RegistryError(422, 42201, `Invalid schema: ${why}`);
export const invalidVersion = (version: string) =>
  new RegistryError(422, 42202, `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest".`);
export const invalidCompatibility = (level: unknown) =>
  new RegistryError(422, 42203, `Invalid compatibility level ${JSON.stringify(level)}. Valid values are NONE, BACKWARD, FORWARD, FULL, BACKWARD_TRANSITIVE, FORWARD_TRANSITIVE and FULL_TRANSITIVE.`);
export const incompatibleSchema = (message: string) => new RegistryError(409, 409, message);
export const notReady = () => new RegistryError(503, 50003, 'The registry is still reading its log; retry shortly.');
