"""Small, valid evidence files for the demo: PDFs (minutes, answer letters), a PNG and a survey CSV, written
without outside tools."""

from __future__ import annotations

import csv
import io
import random
import re
import struct
import zlib

from demo import data


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF of ASCII lines, in Helvetica."""
    text = " ".join(f"({line}) Tj 0 -18 Td" for line in lines)
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return _one_page_pdf(f"BT /F1 12 Tf 72 770 Td {text} ET".encode("ascii"), [font])


def answer_letter_pdf(lines: list[str]) -> bytes:
    """A one-page letter in Chinese. The text is in the Song typeface every PDF reader has for simplified Chinese
    (Adobe's STSong-Light, not embedded), each character written as its UCS-2 code: no font file needed."""
    text = " ".join(f"<{line.encode('utf-16-be').hex().upper()}> Tj 0 -22 Td" for line in lines)
    font = b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>"
    cid_font = (
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R /DW 1000 >>"
    )
    descriptor = (
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
    )
    return _one_page_pdf(f"BT /F1 14 Tf 72 770 Td {text} ET".encode("ascii"), [font, cid_font, descriptor])


def _one_page_pdf(stream: bytes, fonts: list[bytes]) -> bytes:
    """A PDF of one A4 page with a correct cross-reference table; fonts[0] is /F1 (object 5), the rest follow."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *fonts,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def tiny_png(rng: random.Random, width: int = 48, height: int = 32) -> bytes:
    """A small RGB gradient, standing in for a photo of the research on site."""
    base = [rng.randrange(60, 200) for _ in range(3)]
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            row += bytes((min(255, base[0] + x * 2), min(255, base[1] + y * 3), base[2]))
        rows.append(bytes(row))

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def survey_csv(spec: data.ProposalSpec, rng: random.Random) -> bytes:
    """The survey behind the findings, as the spreadsheet export a secretary would attach."""
    question, options = data.SURVEYS[spec.topic]
    match = re.search(r"回收有效问卷(\d+)份", spec.findings)
    total = int(match.group(1)) if match else rng.randrange(180, 900)
    weights = [share * rng.uniform(0.9, 1.1) for _, share in options]
    counts = [round(total * weight / sum(weights)) for weight in weights[:-1]]
    counts.append(total - sum(counts))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["题目", "选项", "人数", "占比(%)"])
    for (option, _), count in zip(options, counts, strict=True):
        writer.writerow([question, option, count, f"{100 * count / total:.1f}"])
    writer.writerow([question, "合计", total, "100.0"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # with a BOM, so that Excel reads it as UTF-8
