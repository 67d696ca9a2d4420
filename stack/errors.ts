/** An expected stack failure: the CLI prints its message as one line, never a stack trace. */
export class StackError extends Error {
  override name = 'StackError';
}

/** A configuration or environment that cannot work (bad port, no java, no mvn, missing entry). */
export class StackConfigError extends StackError {
  override name = 'StackConfigError';
}

/** A service that did not come up, or a stack busy under another command. */
export class StackStartError extends StackError {
  override name = 'StackStartError';
}
