import { TributaryError } from '../../errors/tributary-error.js';

/** A column whose MySQL type Tributary cannot publish without loss. */
export class UnsupportedTypeError extends TributaryError {
  constructor(db: string, table: string, column: string, type: string) {
    super(`column ${db}.${table}.${column} has type ${type}, which Tributary cannot publish`, {
      code: 'SCHEMA_UNSUPPORTED_TYPE',
      retriable: false,
      fix:
        `exclude ${db}.${table} from the pipeline's tables, or ALTER the column to a supported ` +
        'type (integers, DECIMAL, FLOAT/DOUBLE, BIT, CHAR/VARCHAR/TEXT, BINARY/VARBINARY/BLOB, ' +
        'DATE/DATETIME/TIMESTAMP/TIME/YEAR, ENUM/SET, JSON, spatial types)',
    });
  }
}
