// A quick look at the file before it is sent: its columns and about how many rows it has.
// Only the first 64 KiB are read; Herald parses and validates the whole file itself.

export interface Preview {
  columns: string[];
  sample: string[][];
  approxRows: number;
}

/** One CSV line into cells (RFC 4180 quoting), enough for a header and a few rows. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === "," || ch === ";") {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

export async function previewCsv(file: File): Promise<Preview> {
  const head = await file.slice(0, 64 * 1024).text();
  const lines = head.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "");
  const columns = lines.length ? splitCsvLine(lines[0]!).map((c) => c.toLowerCase()) : [];
  const sample = lines.slice(1, 6).map(splitCsvLine);
  const bytesPerLine = lines.length > 1 ? head.length / lines.length : 1;
  const approxRows =
    file.size <= head.length ? Math.max(lines.length - 1, 0) : Math.round(file.size / bytesPerLine) - 1;
  return { columns, sample, approxRows };
}
