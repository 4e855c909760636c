//! Checking an uploaded logo: a PNG must have a PNG's structure
//! (signature, chunk CRCs, sane dimensions, nothing after its end; the
//! compressed pixels are not decoded), an SVG is rebuilt from an
//! allowlist so that it can neither run anything nor fetch anything.
//!
//! SVG goes through two passes. `svg-hush` (Cloudflare's filter) keeps
//! only allowlisted SVG elements and attributes: no `<script>`, no event
//! handlers (`onload=`), no `<foreignObject>`, no `javascript:` or `data:`
//! URLs, no `@import`; it turns absolute URLs into same-site paths. A logo
//! needs no other document at all, so the second pass, on `svg-hush`'s
//! well-formed output, also drops every `href` that does not point into
//! the logo itself (`#id`), empties every `url(...)` that does not, drops
//! any attribute naming a script or data URL (an animation's inert `to`
//! value, say), and requires the root to be `<svg>`. The logo is served with a
//! `Content-Security-Policy` that forbids scripts and fetches anyway
//! (`pages`), so either layer alone would hold.

use std::borrow::Cow;
use xml::attribute::OwnedAttribute;
use xml::reader::XmlEvent as Read;
use xml::writer::XmlEvent as Write;

/// The largest logo accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// The largest width or height of a PNG logo, in pixels: the layout
/// shows it 32 pixels high; anything far larger only costs memory.
pub const MAX_PNG_SIDE: u32 = 2048;

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
const CRC_32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoKind {
    Png,
    Svg,
}

impl LogoKind {
    pub fn media_type(self) -> &'static str {
        match self {
            LogoKind::Png => "image/png",
            LogoKind::Svg => "image/svg+xml",
        }
    }

    pub fn from_media_type(media_type: &str) -> Option<Self> {
        [LogoKind::Png, LogoKind::Svg]
            .into_iter()
            .find(|k| k.media_type() == media_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            LogoKind::Png => "png",
            LogoKind::Svg => "svg",
        }
    }

    /// The kind an upload claims by its file name's extension, else by
    /// its declared content type.
    pub fn claimed(file_name: &str, content_type: Option<&str>) -> Option<Self> {
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase());
        match extension.as_deref() {
            Some("png") => Some(LogoKind::Png),
            Some("svg") => Some(LogoKind::Svg),
            _ => content_type.and_then(|t| {
                let t = t.split(';').next().unwrap_or_default().trim();
                Self::from_media_type(&t.to_ascii_lowercase())
            }),
        }
    }
}

/// Why a logo was refused. The `String`s say what exactly, in English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoError {
    TooLarge,
    /// Neither a `.png` nor a `.svg` file.
    UnknownKind,
    /// Claims to be a PNG and is not one.
    NotPng(&'static str),
    /// A PNG wider or higher than [`MAX_PNG_SIDE`] (width, height).
    PngTooBig(u32, u32),
    /// Malformed XML, or not an SVG document.
    NotSvg(String),
}

impl LogoError {
    /// What exactly, for the person who uploaded it.
    pub fn detail(&self) -> Option<String> {
        match self {
            LogoError::TooLarge => Some(format!("({} KiB at most)", MAX_LOGO_BYTES / 1024)),
            LogoError::UnknownKind => None,
            LogoError::NotPng(why) => Some((*why).to_owned()),
            LogoError::PngTooBig(w, h) => Some(format!(
                "{w}x{h} pixels; at most {MAX_PNG_SIDE}x{MAX_PNG_SIDE}"
            )),
            LogoError::NotSvg(why) => Some(why.clone()),
        }
    }
}

/// Checks an upload named `file_name`: the bytes to store and their kind.
pub fn accept(
    file_name: &str,
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<(LogoKind, Vec<u8>), LogoError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge);
    }
    match LogoKind::claimed(file_name, content_type).ok_or(LogoError::UnknownKind)? {
        LogoKind::Png => {
            check_png(bytes)?;
            Ok((LogoKind::Png, bytes.to_vec()))
        }
        LogoKind::Svg => Ok((LogoKind::Svg, sanitize_svg(bytes)?)),
    }
}

/// Checks that `bytes` have the chunk layout of one PNG (PNG spec,
/// section 5): the signature, `IHDR` first with valid fields, every
/// chunk's CRC, at least one `IDAT`, and `IEND` last with nothing after
/// it (no other file riding along). The `IDAT` data is not decompressed,
/// so this does not prove the pixels decode; a browser shows a broken
/// image then, which is harmless. Returns the width and height.
pub fn check_png(bytes: &[u8]) -> Result<(u32, u32), LogoError> {
    let mut rest = bytes.strip_prefix(&PNG_SIGNATURE).ok_or(LogoError::NotPng(
        "the file does not start with the PNG signature",
    ))?;
    let mut size = None;
    let mut image_data = false;
    loop {
        let Chunk { kind, data, after } = next_chunk(rest)?;
        if size.is_none() {
            if kind != b"IHDR" {
                return Err(LogoError::NotPng("the first chunk is not IHDR"));
            }
            size = Some(header(data)?);
        }
        match kind {
            b"IDAT" => image_data = true,
            b"IEND" if !after.is_empty() => {
                return Err(LogoError::NotPng("there are bytes after the IEND chunk"));
            }
            b"IEND" => break,
            _ => {}
        }
        rest = after;
    }
    if !image_data {
        return Err(LogoError::NotPng("the file has no image data (IDAT)"));
    }
    let (width, height) = size.unwrap_or_default();
    if width > MAX_PNG_SIDE || height > MAX_PNG_SIDE {
        return Err(LogoError::PngTooBig(width, height));
    }
    Ok((width, height))
}

/// One chunk: its type, data and what follows it.
struct Chunk<'a> {
    kind: &'a [u8],
    data: &'a [u8],
    after: &'a [u8],
}

fn next_chunk(bytes: &[u8]) -> Result<Chunk<'_>, LogoError> {
    const TRUNCATED: LogoError = LogoError::NotPng("the file is truncated");
    let length = bytes.get(..4).ok_or(TRUNCATED)?;
    let length = u32::from_be_bytes(length.try_into().unwrap_or_default());
    if length > 0x7fff_ffff {
        return Err(LogoError::NotPng("a chunk length is out of range"));
    }
    let end = 8 + length as usize;
    let (kind, data) = (
        bytes.get(4..8).ok_or(TRUNCATED)?,
        bytes.get(8..end).ok_or(TRUNCATED)?,
    );
    let stored_crc = bytes.get(end..end + 4).ok_or(TRUNCATED)?;
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(LogoError::NotPng("a chunk type is not four letters"));
    }
    let mut digest = CRC_32.digest();
    digest.update(kind);
    digest.update(data);
    if digest.finalize().to_be_bytes() != stored_crc {
        return Err(LogoError::NotPng("a chunk is damaged (CRC mismatch)"));
    }
    Ok(Chunk {
        kind,
        data,
        after: &bytes[end + 4..],
    })
}

/// Width and height from `IHDR`'s data, after checking its fields.
fn header(data: &[u8]) -> Result<(u32, u32), LogoError> {
    let invalid = LogoError::NotPng("the IHDR chunk is invalid");
    let [
        w0,
        w1,
        w2,
        w3,
        h0,
        h1,
        h2,
        h3,
        depth,
        colour,
        compression,
        filter,
        interlace,
    ] = data.try_into().map_err(|_| invalid.clone())?;
    let (width, height) = (
        u32::from_be_bytes([w0, w1, w2, w3]),
        u32::from_be_bytes([h0, h1, h2, h3]),
    );
    let depth_ok = match colour {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    if width == 0 || height == 0 || !depth_ok || compression != 0 || filter != 0 || interlace > 1 {
        return Err(invalid);
    }
    Ok((width, height))
}

/// Rebuilds an SVG document without anything that runs or fetches; see
/// the module docs. Malformed XML, or a root that is not `<svg>`, is
/// refused.
pub fn sanitize_svg(bytes: &[u8]) -> Result<Vec<u8>, LogoError> {
    let mut filtered = Vec::new();
    svg_hush::Filter::new()
        .filter(bytes, &mut filtered)
        .map_err(|e| {
            let cause = std::error::Error::source(&e).map(ToString::to_string);
            LogoError::NotSvg(match cause {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
            })
        })?;
    local_references_only(&filtered)
}

/// The second pass (module docs) over `svg-hush`'s output.
fn local_references_only(svg: &[u8]) -> Result<Vec<u8>, LogoError> {
    let written = |e: xml::writer::Error| LogoError::NotSvg(e.to_string());
    let mut out = Vec::with_capacity(svg.len());
    let mut writer = xml::EmitterConfig::new().create_writer(&mut out);
    let mut open: Vec<bool> = Vec::new();
    for event in xml::ParserConfig::new().create_reader(svg) {
        let event = event.map_err(|e| LogoError::NotSvg(e.to_string()))?;
        match &event {
            Read::StartElement {
                name,
                attributes,
                namespace,
            } => {
                let svg_element = name.namespace.as_deref() == Some(SVG_NAMESPACE);
                if open.is_empty() && !(svg_element && name.local_name == "svg") {
                    return Err(LogoError::NotSvg(
                        "the document's root element is not <svg>".into(),
                    ));
                }
                let kept: Vec<OwnedAttribute> = attributes
                    .iter()
                    .filter(|a| a.name.local_name != "href" || a.value.starts_with('#'))
                    .filter(|a| !names_a_script_or_data(&a.value))
                    .map(|a| OwnedAttribute {
                        name: a.name.clone(),
                        value: local_urls(&a.value).into_owned(),
                    })
                    .collect();
                open.push(name.local_name == "style");
                writer
                    .write(Write::StartElement {
                        name: name.borrow(),
                        attributes: kept.iter().map(OwnedAttribute::borrow).collect(),
                        namespace: namespace.borrow(),
                    })
                    .map_err(written)?;
            }
            Read::EndElement { .. } => {
                open.pop();
                if let Some(w) = event.as_writer_event() {
                    writer.write(w).map_err(written)?;
                }
            }
            Read::Characters(text) if open.last() == Some(&true) => {
                writer
                    .write(Write::Characters(&local_urls(text)))
                    .map_err(written)?;
            }
            _ => {
                if let Some(w) = event.as_writer_event() {
                    writer.write(w).map_err(written)?;
                }
            }
        }
    }
    Ok(out)
}

/// Whether `value` holds a `javascript:` or `vbscript:` URL anywhere, or
/// is a `data:` URL, however spaced or cased.
fn names_a_script_or_data(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed.contains("javascript:")
        || squeezed.contains("vbscript:")
        || squeezed.starts_with("data:")
}

/// Replaces each `url(...)` (any case) that does not point into the
/// document (`url(#id)`) with `url(#)`, which references nothing.
fn local_urls(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("url(") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find("url(") {
        let open = at + found + "url(".len();
        out.push_str(&text[at..open]);
        let close = lower[open..].find(')').map_or(text.len(), |i| open + i);
        let target = text[open..close].trim().trim_matches(['"', '\'']).trim();
        out.push_str(if target.starts_with('#') { target } else { "#" });
        out.push(')');
        at = (close + 1).min(text.len());
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1x1 greyscale PNG, built chunk by chunk.
    pub(crate) fn tiny_png() -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let mut digest = CRC_32.digest();
            digest.update(kind);
            digest.update(data);
            out.extend_from_slice(&digest.finalize().to_be_bytes());
        }
        let mut png = PNG_SIGNATURE.to_vec();
        chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        // zlib stream of the one scanline: filter 0, grey 0.
        chunk(
            &mut png,
            b"IDAT",
            &[0x78, 0x01, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
        );
        chunk(&mut png, b"IEND", &[]);
        png
    }

    #[test]
    fn a_whole_png_passes_with_its_size() {
        assert_eq!(check_png(&tiny_png()), Ok((1, 1)));
    }

    #[test]
    fn damaged_or_padded_pngs_are_refused() {
        let png = tiny_png();
        assert!(matches!(check_png(b"GIF89a"), Err(LogoError::NotPng(_))));
        assert!(matches!(
            check_png(&png[..png.len() - 3]),
            Err(LogoError::NotPng(_))
        ));
        let mut flipped = png.clone();
        flipped[20] ^= 1;
        assert!(matches!(check_png(&flipped), Err(LogoError::NotPng(_))));
        let mut padded = png.clone();
        padded.extend_from_slice(b"<html>");
        assert_eq!(
            check_png(&padded),
            Err(LogoError::NotPng("there are bytes after the IEND chunk"))
        );
    }

    #[test]
    fn the_kind_comes_from_the_extension_then_the_content_type() {
        assert_eq!(LogoKind::claimed("Logo.PNG", None), Some(LogoKind::Png));
        assert_eq!(
            LogoKind::claimed("logo.svg", Some("image/png")),
            Some(LogoKind::Svg)
        );
        assert_eq!(
            LogoKind::claimed("logo", Some("image/svg+xml; charset=utf-8")),
            Some(LogoKind::Svg)
        );
        assert_eq!(LogoKind::claimed("logo.gif", Some("image/gif")), None);
    }

    #[test]
    fn only_references_into_the_document_survive() {
        assert_eq!(local_urls("fill:url(#g)"), "fill:url(#g)");
        assert_eq!(local_urls("fill: URL( /x.svg#g ); x"), "fill: URL(#); x");
        assert_eq!(local_urls("url('#a') url(/b)"), "url(#a) url(#)");
        assert_eq!(local_urls("url(/unclosed"), "url(#)");
        assert_eq!(local_urls("no urls"), "no urls");
    }

    #[test]
    fn script_and_data_urls_are_recognised_however_written() {
        assert!(names_a_script_or_data("java\tscript:alert(1)"));
        assert!(names_a_script_or_data(" JavaScript :x"));
        assert!(names_a_script_or_data("DATA:text/html,x"));
        assert!(!names_a_script_or_data("#dot"));
        assert!(!names_a_script_or_data("the data: in a title"));
    }

    #[test]
    fn the_root_must_be_svg() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>"#;
        assert!(sanitize_svg(svg).is_ok());
        let rect = br#"<rect xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;
        assert!(matches!(sanitize_svg(rect), Err(LogoError::NotSvg(_))));
        assert!(matches!(sanitize_svg(b"<svg"), Err(LogoError::NotSvg(_))));
    }
}
