/**
 * NRRD (`.nrrd` with the voxels after the header, `.nhdr` with them in a file beside it):
 * `type`, `dimension`, `sizes`, `endian`, encodings raw and gzip, `byte skip`, and the geometry
 * from `space` and `space directions`, else `spacings`. The data file must lie beside the
 * header (`textHeader.ts`).
 */
import type { Vec3, Volume } from '../volume';
import type { InputLimits } from './errors';
import { UnusableFileError } from './errors';
import type { RawVolume } from './rawVolume';
import { RAS, checkSizes, pixdimText, readRawVolume, stepAlong, usableSpacing } from './rawVolume';
import { dataFileBeside, readTextHeader } from './textHeader';
import type { VoxelTypeName } from './voxelData';
import { bytesPerVoxel } from './voxelData';

/** Every spelling of a type the NRRD format allows, by the voxel type it names. */
const TYPE_NAMES: Record<VoxelTypeName, string[]> = {
  int8: ['signed char', 'int8', 'int8_t'],
  uint8: ['uchar', 'unsigned char', 'uint8', 'uint8_t'],
  int16: ['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t'],
  uint16: ['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t'],
  int32: ['int', 'signed int', 'int32', 'int32_t'],
  uint32: ['uint', 'unsigned int', 'uint32', 'uint32_t'],
  float32: ['float'],
  float64: ['double'],
};
const TYPES = new Map(
  Object.entries(TYPE_NAMES).flatMap(([type, names]) => names.map((n) => [n, type as VoxelTypeName])),
);

const ENCODINGS: Record<string, RawVolume['payload']['encoding']> = { raw: 'plain', gzip: 'gzip', gz: 'gzip' };

/** Each anatomical direction's world axis and sign relative to RAS+. */
const DIRECTIONS: Record<string, [number, number]> = {
  right: [0, 1],
  left: [0, -1],
  anterior: [1, 1],
  posterior: [1, -1],
  superior: [2, 1],
  inferior: [2, -1],
};
const SPACE_ABBREVIATIONS: Record<string, string> = {
  RAS: 'right-anterior-superior',
  LAS: 'left-anterior-superior',
  LPS: 'left-posterior-superior',
};

export function isNrrdPath(file: string): boolean {
  return /\.(nrrd|nhdr)$/i.test(file);
}

/** The header ends at its first empty line; the data of an attached file start after it. */
function headerEnd(text: string): number | undefined {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? match.index + match[0].length : undefined;
}

export async function readNrrd(file: string, limits: InputLimits): Promise<Volume> {
  return readRawVolume((await nrrdHeader(file)).raw, limits);
}

/**
 * The header fields curation keeps (curation/metadata.json), named as NIfTI's are so one filter
 * covers both: format, datatype, pixdim (the step along each axis in mm), and the header's
 * `content` (NRRD's description) as descrip. Reads the header only.
 */
export async function readNrrdHeaderFields(file: string): Promise<Record<string, string>> {
  const { raw, fields } = await nrrdHeader(file);
  const content = fields.get('content');
  return {
    format: 'NRRD',
    datatype: raw.type,
    pixdim: pixdimText(raw.axes),
    ...(content ? { descrip: content } : {}),
  };
}

/** The header's fields (names in lower case) and what readRawVolume needs of the voxels. */
async function nrrdHeader(file: string): Promise<{ raw: RawVolume; fields: Map<string, string> }> {
  const { text, dataStart } = await readTextHeader(file, 'NRRD', headerEnd);
  const lines = text.split(/\r?\n/);
  if (!/^NRRD000[1-5]$/.test(lines[0]))
    throw new UnusableFileError(`${file}: not a NRRD file (it does not start with the magic "NRRD0001" to "NRRD0005")`);
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line.startsWith('#') || line.includes(':=')) continue; // comments and key/value pairs
    const colon = line.indexOf(': ');
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 2).trim());
  }
  const get = (key: string) => fields.get(key);
  const require = (key: string) => {
    const value = get(key);
    if (value === undefined || value === '')
      throw new UnusableFileError(`${file}: the NRRD header has no "${key}" field`);
    return value;
  };
  const typeName = require('type');
  const type = TYPES.get(typeName.toLowerCase());
  if (!type)
    throw new UnusableFileError(
      `${file}: NRRD type "${typeName}" is not supported; use one of ${Object.keys(TYPE_NAMES).join(', ')}`,
    );
  const dimension = Number(require('dimension'));
  const sizes = require('sizes').split(/\s+/).map(Number);
  if (sizes.length !== dimension)
    throw new UnusableFileError(`${file}: "sizes" gives ${sizes.length} sizes for dimension ${dimension}`);
  checkSizes(file, sizes);
  const encodingName = require('encoding').toLowerCase();
  const encoding = ENCODINGS[encodingName];
  if (!encoding)
    throw new UnusableFileError(
      `${file}: NRRD encoding "${encodingName}" is not supported; save it with encoding raw or gzip`,
    );
  const endian = get('endian')?.toLowerCase();
  if (bytesPerVoxel(type) > 1 && endian !== 'little' && endian !== 'big')
    throw new UnusableFileError(`${file}: a ${type} NRRD needs "endian: little" or "endian: big"`);
  if (Number(get('line skip') ?? 0) !== 0)
    throw new UnusableFileError(`${file}: "line skip" is not supported; save the data file without a text preamble`);
  const byteSkip = Number(get('byte skip') ?? 0);
  if (!Number.isInteger(byteSkip) || byteSkip < -1 || (byteSkip === -1 && encoding !== 'plain'))
    throw new UnusableFileError(`${file}: byte skip ${get('byte skip')} is invalid`);
  const dataName = get('data file') ?? get('datafile');
  if (dataName !== undefined && (/^LIST/.test(dataName) || /\s/.test(dataName.trim()) || dataName.includes('%')))
    throw new UnusableFileError(
      `${file}: "data file: ${dataName}" spreads the voxels over several files; save the volume as one .nrrd`,
    );
  const { axes, space } = geometry(file, get, dimension);
  return {
    fields,
    raw: {
      header: file,
      sizes,
      type,
      littleEndian: endian !== 'big',
      axes,
      space,
      payload: {
        file: dataName === undefined ? file : dataFileBeside(file, dataName, '"data file"'),
        fileOffset: dataName === undefined ? dataStart : 0,
        encoding,
        skip: Math.max(0, byteSkip),
        fromEnd: byteSkip === -1,
      },
    },
  };
}

/**
 * The spatial axes' steps and the world space's signs: `space directions` in the named `space`,
 * else `spacings` along the world axes. A leading non-spatial axis (colour, vector) is refused; a
 * trailing one is the frames of a 4D volume.
 */
function geometry(
  file: string,
  get: (key: string) => string | undefined,
  dimension: number,
): { axes: Vec3[]; space: Vec3 } {
  const directions = get('space directions')?.split(/\s+(?=\(|none)/);
  const kinds = get('kinds')?.split(/\s+/);
  const firstKind = kinds?.[0]?.toLowerCase();
  if (directions?.[0] === 'none' || (firstKind !== undefined && !['domain', 'space', '???'].includes(firstKind)))
    throw new UnusableFileError(
      `${file}: its first axis holds ${firstKind ?? 'several values'} per voxel; only scalar volumes are read`,
    );
  const spatial = Math.min(dimension, 3);
  const space = spaceSigns(file, get('space'));
  if (directions) {
    const vectors = directions.filter((d) => d !== 'none').map((d) => d.replace(/[()]/g, '').split(',').map(Number));
    const axes = vectors.slice(0, spatial).map((v, i) => {
      const direction = [...v, 0, 0].slice(0, 3) as Vec3;
      return stepAlong(i, direction, usableSpacing(Math.hypot(...direction)));
    });
    return { axes, space };
  }
  const spacings = (get('spacings') ?? '').split(/\s+/).map(Number);
  return {
    axes: [0, 1, 2].slice(0, spatial).map((i) => stepAlong(i, undefined, usableSpacing(spacings[i]))),
    space: RAS,
  };
}

/** The sign of each world axis of `space` relative to RAS+; spaces without anatomy count as RAS+. */
function spaceSigns(file: string, space: string | undefined): Vec3 {
  if (space === undefined) return RAS;
  const name = SPACE_ABBREVIATIONS[space] ?? space.toLowerCase();
  const parts = name.split('-').map((p) => DIRECTIONS[p]);
  if (parts.length !== 3 || parts.some((p) => !p)) return RAS;
  if (parts.some(([axis], i) => axis !== i))
    throw new UnusableFileError(
      `${file}: space "${space}" orders the anatomical axes unusually; resample it to RAS or LPS`,
    );
  return parts.map(([, sign]) => sign) as Vec3;
}
