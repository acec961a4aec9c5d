/**
 * The access token of a data dir: `<dataDir>/.access_token`, mode 0600, created on first use with
 * 32 random bytes as base64url. The API never returns it; only the server's start-up line shows it.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../actors/runtime/snapshot_store.ts";

/** File name of the token inside the data dir (hidden: not a source folder, not listed). */
export const TOKEN_FILE = ".access_token";

/** Shortest token accepted from the file (a user may write their own). */
const MIN_TOKEN_LENGTH = 32;

/** A loaded token and whether this start created it. */
export interface StoredToken {
  /** The secret. */
  token: string;
  /** True when the file did not exist and was written now (the caller prints it once). */
  created: boolean;
  /** Absolute path of the file. */
  path: string;
}

/** A new random token: 32 bytes from the system CSPRNG, base64url without padding (43 chars). */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Reads the token of `dataDir`, creating it (mode 0600) when missing. A file with looser
 * permissions is tightened to 0600; a file holding a token shorter than 32 characters is refused
 * with an error naming the file, so a truncated secret never protects a server.
 */
export async function loadOrCreateToken(dataDir: string): Promise<StoredToken> {
  const path = join(dataDir, TOKEN_FILE);
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (text === undefined) {
    await Deno.mkdir(dataDir, { recursive: true });
    const token = generateToken();
    await writeFileAtomic(path, token + "\n", { mode: 0o600 });
    return { token, created: true, path };
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new RangeError(
      `access token in ${path} must be at least ${MIN_TOKEN_LENGTH} characters without spaces ` +
        `(got ${token.length}); delete the file to have a new one generated`,
    );
  }
  const info = await Deno.stat(path);
  if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(path, 0o600);
  return { token, created: false, path };
}

/** File of extra per-user tokens inside the data dir: `{"alice": "<token>", …}` (optional). */
export const USERS_FILE = ".access_tokens.json";

/** A user's token: batch tasks it creates are visible to it and to the admin token only. */
export interface UserToken {
  /** The user's name (letters, digits, `_.-`, up to 64; not `admin` or `local`). */
  name: string;
  /** The user's secret (at least 32 characters, no spaces). */
  token: string;
}

/**
 * Reads `<dataDir>/.access_tokens.json` ([] when missing). A bad name or a short token is refused
 * with an error naming the file and the entry, so a typo never opens the server.
 */
export async function loadUserTokens(dataDir: string): Promise<UserToken[]> {
  const path = join(dataDir, USERS_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const json = JSON.parse(text) as unknown;
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new RangeError(`${path} must be an object of user name → token`);
  }
  return Object.entries(json).map(([name, token]) => {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name === "admin" || name === "local") {
      throw new RangeError(`${path}: invalid user name ${JSON.stringify(name)}`);
    }
    if (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new RangeError(
        `${path}: token of "${name}" must be a string of at least ${MIN_TOKEN_LENGTH} characters without spaces`,
      );
    }
    return { name, token };
  });
}
