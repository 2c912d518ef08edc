import type { StorageConfig } from '../../config/schema.js';

/** Thrown when `storage.driver` is postgres but no usable URL is given. */
export class StorageConfigError extends Error {
  override readonly name = 'StorageConfigError';
}

/**
 * The PostgreSQL URL from `storage.url` (with `${VAR}` read from the environment) or
 * `OPENCLAW_POSTGRES_URL`. Only ever shown through {@link redactUrl}.
 */
export function postgresUrlOf(storage: StorageConfig, env: NodeJS.ProcessEnv): string {
  const raw = storage.url ?? env.OPENCLAW_POSTGRES_URL;
  if (raw === undefined || raw.trim() === '') {
    throw new StorageConfigError(
      'storage.driver is "postgres" but neither storage.url nor OPENCLAW_POSTGRES_URL is set',
    );
  }
  const url = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new StorageConfigError(`storage.url names \${${name}}, which is not set`);
    return value;
  });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageConfigError('storage.url is not a URL (expected postgres://user@host:5432/db)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StorageConfigError(`storage.url must start with postgres:// (got ${parsed.protocol}//)`);
  }
  return url;
}

/** The URL with its password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}
