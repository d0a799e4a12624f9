/** When PgBouncer returns a server connection to the pool. */
export enum PoolMode {
  /** After the client disconnects: every session feature works, but pooling only saves connection set-up. */
  SESSION = 'session',
  /**
   * After each transaction: many clients share few server connections. Session state (SET,
   * LISTEN, advisory session locks, WITH HOLD cursors) does not survive a transaction.
   */
  TRANSACTION = 'transaction',
  /** After each statement: multi-statement transactions are refused. */
  STATEMENT = 'statement',
}
