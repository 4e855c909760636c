//! Release descriptions: Markdown (CommonMark with tables and
//! strikethrough, via pulldown-cmark) rendered to HTML, then sanitized
//! with ammonia's allow-list, which removes `<script>`, `<style>`,
//! event-handler attributes and `javascript:` URLs whatever the Markdown
//! or raw HTML asked for.
//!
//! Links get `rel="nofollow noopener"`: uploaders do not lend the site's
//! standing to what they link, and a linked page cannot script the
//! opener. Images are not allowed: an `<img>` pointing elsewhere would
//! tell a third party the address of every visitor of the release page,
//! which DESIGN.md's privacy invariants rule out.

use pulldown_cmark::{Options, Parser};
use std::collections::HashSet;
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(HashSet::from(["img"]))
        .url_schemes(HashSet::from(["http", "https", "mailto", "magnet"]))
        .link_rel(Some("nofollow noopener"));
    builder
});

/// Sanitized HTML for a description written in Markdown.
pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    CLEANER.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html_and_links_get_nofollow_noopener() {
        let html = render("**bold** [site](https://example.org)");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org" rel="nofollow noopener">site</a>"#),
            "{html}"
        );
    }

    #[test]
    fn scripts_handlers_javascript_urls_and_images_are_removed() {
        let html = render(
            "<script>alert(1)</script><b onclick=\"alert(2)\">x</b>\n\n\
             [y](javascript:alert(3)) <img src=x onerror=alert(4)> ![i](http://e/i.png)\
             <iframe src=\"http://e\"></iframe><style>*{}</style>",
        );
        for bad in [
            "<script",
            "onclick",
            "javascript:",
            "<img",
            "onerror",
            "<iframe",
            "<style",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("<b>x</b>"), "{html}");
    }
}
