/**
 * In-process fault for tests: files opened for writing whose path matches `pattern` take the first
 * half of what is written to them and then fail with ENOSPC, as a disk that fills mid-write does.
 * Returns the function that undoes it.
 */
import * as fs from 'node:fs';

export function failWritesHalfWay(pattern: RegExp): () => void {
  const open = fs.promises.open;
  fs.promises.open = (async (file: fs.PathLike, flags?: string | number, mode?: fs.Mode) => {
    const handle = await open(file, flags, mode);
    if (typeof flags === 'string' && /[wa]/.test(flags) && pattern.test(String(file))) {
      handle.writeFile = async (data: string | Uint8Array) => {
        const bytes = Buffer.from(data);
        await handle.write(bytes.subarray(0, bytes.length >> 1));
        throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(file)}'`), { code: 'ENOSPC' });
      };
    }
    return handle;
  }) as typeof fs.promises.open;
  return () => {
    fs.promises.open = open;
  };
}
