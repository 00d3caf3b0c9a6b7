/**
 * The DICOM attributes kept per sample to filter and balance by (docs/curation.md, "Metadata"):
 * the scanner and site a series came from and how it was acquired. Read from one file's header
 * (no pixels) through dicom.ts's element reader; every one is a text VR, so no byte order applies.
 */
import { readDicomElements } from '../formats/dicom';
import type { InputLimits } from '../formats/errors';

const tag = (group: number, element: number) => ((group << 16) | element) >>> 0;

/** Column name (the DICOM keyword) -> tag. */
export const DICOM_TAG_COLUMNS: Record<string, number> = {
  Modality: tag(0x0008, 0x0060),
  Manufacturer: tag(0x0008, 0x0070),
  InstitutionName: tag(0x0008, 0x0080),
  ManufacturerModelName: tag(0x0008, 0x1090),
  SliceThickness: tag(0x0018, 0x0050),
  PixelSpacing: tag(0x0028, 0x0030),
  SeriesInstanceUID: tag(0x0020, 0x000e),
};

const TAGS = new Set(Object.values(DICOM_TAG_COLUMNS));

/** The attributes `file` has, as text: padding and NULs trimmed, multiple values joined by "\" as DICOM writes them. */
export async function readDicomTags(file: string, limits: InputLimits): Promise<Record<string, string>> {
  const elements = await readDicomElements(file, limits, TAGS);
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(DICOM_TAG_COLUMNS)) {
    const value = elements.get(t);
    if (!value) continue;
    const text = value
      .toString('latin1')
      .replace(/[\0\s]+$/, '')
      .split('\\')
      .map((part) => part.trim())
      .join('\\');
    if (text) out[name] = text;
  }
  return out;
}
