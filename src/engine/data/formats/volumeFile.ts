/**
 * The volume file formats by name: NIfTI-1/NIfTI-2/Analyze 7.5, MetaImage and NRRD. A format is
 * told by the file's extension (the header of a header/data pair names the pair); the data file
 * of a pair (`.img`, `.raw`) is no source of its own.
 */
import type { Volume } from '../volume';
import type { InputLimits } from './errors';
import { isMetaImagePath, readMetaImage } from './metaImage';
import { isNiftiPath, readNifti } from './nifti';
import { isNrrdPath, readNrrd } from './nrrd';

const FORMATS = [
  { is: isNiftiPath, read: readNifti },
  { is: isMetaImagePath, read: readMetaImage },
  { is: isNrrdPath, read: readNrrd },
];

/** The extensions, for messages that list what is read. */
export const VOLUME_EXTENSIONS =
  'NIfTI .nii/.nii.gz, NIfTI or Analyze .hdr/.img, MetaImage .mha/.mhd, NRRD .nrrd/.nhdr';

export function isVolumePath(file: string): boolean {
  return FORMATS.some((f) => f.is(file));
}

export function readVolumeFile(file: string, limits: InputLimits): Promise<Volume> {
  const format = FORMATS.find((f) => f.is(file));
  if (!format) throw new Error(`${file}: not a volume file (${VOLUME_EXTENSIONS})`);
  return format.read(file, limits);
}
