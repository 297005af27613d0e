//! A frame's bytes as containers, before any pixel: the engine writes PNG as `IHDR` (8-bit
//! RGB, no interlace), `IDAT`, `IEND` and nothing else, and JPEG as baseline YCbCr with one
//! JFIF `APP0` (no thumbnail) and nothing else. Anything more is a place data can ride out on:
//! ancillary PNG chunks (`tEXt`, `eXIf`, `iCCP`, private ones), `APP1`-`APP15` and `COM`
//! segments, bytes after the image's end. An alpha channel or `tRNS` makes a frame not opaque.
//!
//! It reads structure only (lengths and markers); it must never index past a buffer.

use super::problem::ProblemKind;

/// A finding about a container: its kind and a short fixed description (chunk or marker
/// names are engine-side words, never data).
pub(crate) type Finding = (ProblemKind, String);

/// Checks the container of a frame named `name` (`.png` or `.jpg`).
pub(crate) fn check(name: &str, bytes: &[u8]) -> Vec<Finding> {
    let png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let jpeg = bytes.starts_with(&[0xFF, 0xD8]);
    match (name.ends_with(".png"), png, jpeg) {
        (true, true, _) => check_png(bytes),
        (false, _, true) => check_jpeg(bytes),
        _ => vec![(ProblemKind::FrameFormat, "its content is not the format its name says".into())],
    }
}

fn check_png(b: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut at = 8;
    let mut first = true;
    loop {
        let Some(head) = b.get(at..at + 8) else {
            out.push((ProblemKind::FrameFormat, "PNG cut short (no IEND)".into()));
            return out;
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        let name = String::from_utf8_lossy(&kind).chars().map(|c| if c.is_ascii_alphabetic() { c } else { '?' }).collect::<String>();
        let Some(data) = b.get(at + 8..at + 8 + len) else {
            out.push((ProblemKind::FrameFormat, format!("PNG chunk {name} runs past the end")));
            return out;
        };
        if first && &kind != b"IHDR" {
            out.push((ProblemKind::FrameFormat, "PNG does not start with IHDR".into()));
        }
        first = false;
        match &kind {
            b"IHDR" => {
                if data.len() != 13 {
                    out.push((ProblemKind::FrameFormat, "PNG IHDR of a wrong size".into()));
                } else {
                    let (depth, colour, interlace) = (data[8], data[9], data[12]);
                    if colour == 4 || colour == 6 {
                        out.push((ProblemKind::FrameNotOpaque, "PNG with an alpha channel".into()));
                    } else if colour != 2 || depth != 8 || interlace != 0 {
                        out.push((ProblemKind::FrameFormat, "PNG not 8-bit RGB without interlace".into()));
                    }
                }
            }
            b"IDAT" => {}
            b"IEND" => {
                if b.len() > at + 12 {
                    out.push((ProblemKind::FrameMetadata, "bytes after the PNG's IEND".into()));
                }
                return out;
            }
            b"tRNS" => out.push((ProblemKind::FrameNotOpaque, "PNG tRNS chunk (transparency)".into())),
            _ if kind[0].is_ascii_lowercase() => out.push((ProblemKind::FrameMetadata, format!("PNG ancillary chunk {name}"))),
            _ => out.push((ProblemKind::FrameFormat, format!("PNG chunk {name} the engine does not write"))),
        }
        at += 12 + len;
    }
}

fn check_jpeg(b: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut at = 2;
    let mut jfif = false;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&m)) = (b.get(at), b.get(at + 1)) else {
            out.push((ProblemKind::FrameFormat, "JPEG cut short (no EOI)".into()));
            return out;
        };
        at += 2;
        if m == 0xD9 {
            if b.len() > at {
                out.push((ProblemKind::FrameMetadata, "bytes after the JPEG's EOI".into()));
            }
            return out;
        }
        let Some(len) = b.get(at..at + 2).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize) else {
            out.push((ProblemKind::FrameFormat, "JPEG cut short".into()));
            return out;
        };
        let Some(seg) = b.get(at + 2..(at + len).max(at + 2)).filter(|_| len >= 2) else {
            out.push((ProblemKind::FrameFormat, format!("JPEG segment {m:02X} runs past the end")));
            return out;
        };
        match m {
            0xE0 if !jfif && seg.len() == 14 && seg.starts_with(b"JFIF\0") && seg[12] == 0 && seg[13] == 0 => jfif = true,
            0xE0..=0xEF => out.push((ProblemKind::FrameMetadata, format!("JPEG APP{} segment", m - 0xE0))),
            0xFE => out.push((ProblemKind::FrameMetadata, "JPEG COM segment".into())),
            0xC0 => {
                if seg.get(5) != Some(&3) {
                    out.push((ProblemKind::FrameFormat, "JPEG not of 3 components".into()));
                }
            }
            0xDB | 0xC4 | 0xDD => {}
            0xDA => {
                // Entropy-coded data runs to the next marker that is not a stuffed byte or a
                // restart.
                at += len;
                while at + 1 < b.len() && !(b[at] == 0xFF && b[at + 1] != 0x00 && !(0xD0..=0xD7).contains(&b[at + 1])) {
                    at += 1;
                }
                continue;
            }
            _ => out.push((ProblemKind::FrameFormat, format!("JPEG segment {m:02X} the engine does not write"))),
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Rect;
    use crate::screenshot::paint::paint_frame;

    fn encoded(path: &str) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(24, 16, image::Rgba([200, 30, 30, 255]));
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        paint_frame(&png.into_inner(), path, &[Rect([2, 2, 4, 4])], [0, 0, 0], 1, 1 << 20).unwrap()
    }

    fn kinds(name: &str, b: &[u8]) -> Vec<ProblemKind> {
        check(name, b).into_iter().map(|f| f.0).collect()
    }

    /// Inserts a chunk after IHDR.
    fn with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = png[..33].to_vec();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&png[33..]);
        out
    }

    #[test]
    fn what_the_engine_writes_is_clean() {
        assert!(kinds("frames/00000001.png", &encoded("frames/00000001.png")).is_empty());
        assert!(kinds("frames/00000001.jpg", &encoded("frames/00000001.jpg")).is_empty());
    }

    #[test]
    fn metadata_transparency_and_trailing_bytes_are_found() {
        let png = encoded("frames/1.png");
        assert_eq!(kinds("frames/1.png", &with_chunk(&png, b"tEXt", b"Author\0jane")), [ProblemKind::FrameMetadata]);
        assert_eq!(kinds("frames/1.png", &with_chunk(&png, b"eXIf", b"MM\0*")), [ProblemKind::FrameMetadata]);
        assert_eq!(kinds("frames/1.png", &with_chunk(&png, b"tRNS", b"\0\0\0\0\0\0")), [ProblemKind::FrameNotOpaque]);
        let mut tail = png.clone();
        tail.extend_from_slice(b"jane.doe@example.com");
        assert_eq!(kinds("frames/1.png", &tail), [ProblemKind::FrameMetadata]);
        let mut rgba = png.clone();
        rgba[25] = 6; // colour type RGBA
        assert_eq!(kinds("frames/1.png", &rgba), [ProblemKind::FrameNotOpaque]);
        assert_eq!(kinds("frames/1.jpg", &png), [ProblemKind::FrameFormat], "a PNG named .jpg");

        let jpg = encoded("frames/1.jpg");
        let mut exif = jpg[..2].to_vec();
        let payload = b"Exif\0\0GPS 48.85N 2.29E";
        exif.extend_from_slice(&[0xFF, 0xE1]);
        exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        exif.extend_from_slice(payload);
        exif.extend_from_slice(&jpg[2..]);
        assert_eq!(kinds("frames/1.jpg", &exif), [ProblemKind::FrameMetadata]);
        let mut com = jpg[..2].to_vec();
        com.extend_from_slice(&[0xFF, 0xFE, 0, 6, b'j', b'a', b'n', b'e']);
        com.extend_from_slice(&jpg[2..]);
        assert_eq!(kinds("frames/1.jpg", &com), [ProblemKind::FrameMetadata]);
        let mut tail = jpg.clone();
        tail.extend_from_slice(b"x");
        assert_eq!(kinds("frames/1.jpg", &tail), [ProblemKind::FrameMetadata]);
        for cut in [3, 40, jpg.len() - 1] {
            assert!(!kinds("frames/1.jpg", &jpg[..cut]).is_empty(), "cut at {cut}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256), png in proptest::prelude::any::<bool>()) {
            let mut b = if png { b"\x89PNG\r\n\x1a\n".to_vec() } else { vec![0xFF, 0xD8] };
            b.extend(bytes);
            let _ = check(if png { "frames/1.png" } else { "frames/1.jpg" }, &b);
        }
    }
}
