/**
 * MetaImage (ITK's `.mha` with the voxels after the header, `.mhd` with them in a file beside
 * it): `DimSize`, `ElementType`, `ElementSpacing`, the direction matrix (`TransformMatrix`, rows
 * are the axes' directions in ITK's LPS space), `BinaryDataByteOrderMSB`, `CompressedData`
 * (zlib) and `HeaderSize`. The data file must lie beside the header (`textHeader.ts`).
 */
import type { Vec3, Volume } from '../volume';
import type { InputLimits } from './errors';
import { UnusableFileError } from './errors';
import type { RawVolume } from './rawVolume';
import { LPS, checkSizes, pixdimText, readRawVolume, stepAlong, usableSpacing } from './rawVolume';
import { dataFileBeside, readTextHeader } from './textHeader';
import type { VoxelTypeName } from './voxelData';

const ELEMENT_TYPES: Record<string, VoxelTypeName> = {
  MET_UCHAR: 'uint8',
  MET_CHAR: 'int8',
  MET_SHORT: 'int16',
  MET_USHORT: 'uint16',
  MET_INT: 'int32',
  MET_UINT: 'uint32',
  MET_FLOAT: 'float32',
  MET_DOUBLE: 'float64',
};

export function isMetaImagePath(file: string): boolean {
  return /\.(mha|mhd)$/i.test(file);
}

/** The header ends with the line naming the data file; the data of a LOCAL file start on the next line. */
function headerEnd(text: string): number | undefined {
  const match = /^[ \t]*ElementDataFile[ \t]*=[^\n]*\n/m.exec(text);
  return match ? match.index + match[0].length : undefined;
}

/** MetaImage's `Modality` values, as DICOM names the modality (the metadata's Modality column). */
const MODALITIES: Record<string, string> = {
  MET_MOD_CT: 'CT',
  MET_MOD_MR: 'MR',
  MET_MOD_NM: 'NM',
  MET_MOD_US: 'US',
  MET_MOD_OTHER: 'OT',
};

export async function readMetaImage(file: string, limits: InputLimits): Promise<Volume> {
  return readRawVolume((await metaImageHeader(file)).raw, limits);
}

/**
 * The header fields curation keeps (curation/metadata.json), named as NIfTI's are so one filter
 * covers both: format, datatype, pixdim (the step along each axis in mm), and Modality when the
 * header names one. Reads the header only.
 */
export async function readMetaImageHeaderFields(file: string): Promise<Record<string, string>> {
  const { raw, fields } = await metaImageHeader(file);
  const modality = fields.get('Modality');
  return {
    format: 'MetaImage',
    datatype: raw.type,
    pixdim: pixdimText(raw.axes),
    ...(modality ? { Modality: MODALITIES[modality] ?? modality } : {}),
  };
}

/** The header's fields and what readRawVolume needs of the voxels. */
async function metaImageHeader(file: string): Promise<{ raw: RawVolume; fields: Map<string, string> }> {
  const { text, dataStart } = await readTextHeader(file, 'MetaImage', headerEnd);
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) fields.set(match[1], match[2]);
  }
  const get = (key: string) => fields.get(key);
  const numbers = (key: string) => get(key)?.split(/\s+/).map(Number);
  const yes = (key: string) => /^true$/i.test(get(key) ?? '');
  const require = (key: string) => {
    const value = get(key);
    if (value === undefined || value === '')
      throw new UnusableFileError(`${file}: the MetaImage header has no ${key} (not a MetaImage file?)`);
    return value;
  };
  const objectType = get('ObjectType');
  if (objectType !== undefined && objectType !== 'Image')
    throw new UnusableFileError(`${file}: ObjectType is ${objectType}; only Image objects hold voxels`);
  const ndims = Number(require('NDims'));
  const sizes = numbers('DimSize') ?? [];
  if (sizes.length !== ndims)
    throw new UnusableFileError(`${file}: DimSize has ${sizes.length} sizes for NDims ${ndims}`);
  checkSizes(file, sizes);
  const elementType = require('ElementType');
  const type = ELEMENT_TYPES[elementType];
  if (!type)
    throw new UnusableFileError(
      `${file}: ElementType ${elementType} is not supported; use one of ${Object.keys(ELEMENT_TYPES).join(', ')}`,
    );
  const channels = Number(get('ElementNumberOfChannels') ?? 1);
  if (channels !== 1)
    throw new UnusableFileError(`${file}: ${channels} channels per voxel; only scalar (one channel) images are read`);
  const dataName = require('ElementDataFile');
  if (dataName === 'LIST' || dataName.includes('%'))
    throw new UnusableFileError(
      `${file}: ElementDataFile ${dataName} spreads the voxels over several files; save the image as one .mha`,
    );
  const spatial = Math.min(ndims, 3);
  const spacing = numbers('ElementSpacing') ?? numbers('ElementSize') ?? [];
  const matrix = numbers('TransformMatrix') ?? numbers('Rotation') ?? numbers('Orientation');
  const axes: Vec3[] = [];
  for (let i = 0; i < spatial; i++) {
    const row = matrix?.length === ndims * ndims ? matrix.slice(i * ndims, i * ndims + spatial) : undefined;
    const direction = row && ([...row, 0, 0].slice(0, 3) as Vec3);
    axes.push(stepAlong(i, direction, usableSpacing(spacing[i])));
  }
  const compressed = yes('CompressedData');
  const local = dataName === 'LOCAL';
  const headerSize = Number(get('HeaderSize') ?? 0);
  if (!Number.isInteger(headerSize) || headerSize < -1 || (headerSize === -1 && compressed))
    throw new UnusableFileError(`${file}: HeaderSize ${get('HeaderSize')} is invalid`);
  const dataFile = local ? file : dataFileBeside(file, dataName, 'ElementDataFile');
  return {
    fields,
    raw: {
      header: file,
      sizes,
      type,
      littleEndian: !(yes('BinaryDataByteOrderMSB') || yes('ElementByteOrderMSB')),
      axes,
      space: LPS,
      payload: {
        file: dataFile,
        fileOffset: local ? dataStart : 0,
        encoding: compressed ? 'zlib' : 'plain',
        skip: Math.max(0, headerSize),
        fromEnd: headerSize === -1,
      },
    },
  };
}
