//! Spec prose to rustdoc: brackets and HTML escaped, fences made `text`, relative links made
//! absolute and bare URLs wrapped, so the docs pass `rustdoc -D warnings` and never run as doctests.

/// Base for links such as `/docs/api/...` in Plaid's prose.
const LINK_BASE: &str = "https://plaid.com";

/// Sanitizes one description into Markdown that rustdoc accepts without warnings.
pub fn sanitize(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let normalized = text.replace("\r\n", "\n").replace('\t', "    ");
    for line in normalized.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            out.push(if in_fence { "```".into() } else { "```text".into() });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            out.push(escape_line(t.trim_end()));
        }
    }
    if in_fence {
        out.push("```".into());
    }
    // Collapse runs of blank lines.
    let mut result = String::new();
    let mut blank = 0;
    for l in out {
        if l.is_empty() {
            blank += 1;
            continue;
        }
        if !result.is_empty() {
            result.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        result.push_str(&l);
    }
    result
}

fn url_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len() && !chars[end].is_whitespace() && !"<>\"'`()[]{}|\\^".contains(chars[end]) {
        end += 1;
    }
    while end > start && ".,;:!?".contains(chars[end - 1]) {
        end -= 1;
    }
    end
}

fn starts_with_at(chars: &[char], i: usize, pat: &str) -> bool {
    pat.chars().enumerate().all(|(k, p)| chars.get(i + k) == Some(&p))
}

fn escape_text(chars: &[char], out: &mut String) {
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if starts_with_at(chars, i, "http://") || starts_with_at(chars, i, "https://") {
            let end = url_end(chars, i);
            out.push('<');
            out.extend(&chars[i..end]);
            out.push('>');
            i = end;
            continue;
        }
        if c == '<' && (starts_with_at(chars, i + 1, "http://") || starts_with_at(chars, i + 1, "https://")) {
            let end = url_end(chars, i + 1);
            if chars.get(end) == Some(&'>') {
                out.extend(&chars[i..=end]);
                i = end + 1;
                continue;
            }
        }
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        i += 1;
    }
}

/// Tries `[text](url)` at `i`; returns the rendered link and the index after it.
fn link_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    let close = (i + 1..chars.len()).find(|&k| chars[k] == ']' || chars[k] == '[')?;
    if chars[close] != ']' || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = (close + 2..chars.len()).find(|&k| chars[k] == ')' || chars[k].is_whitespace())?;
    if chars[end] != ')' {
        return None;
    }
    let url: String = chars[close + 2..end].iter().collect();
    let abs = if url.starts_with("https://") || url.starts_with("http://") {
        url
    } else if url.starts_with('/') {
        format!("{LINK_BASE}{url}")
    } else {
        return None;
    };
    let mut text = String::new();
    escape_text(&chars[i + 1..close], &mut text);
    Some((format!("[{text}]({abs})"), end + 1))
}

fn escape_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut plain: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            let fence: String = "`".repeat(run);
            let rest: String = chars[i + run..].iter().collect();
            if let Some(pos) = rest.find(&fence) {
                escape_text(&plain, &mut out);
                plain.clear();
                let body_len = rest[..pos].chars().count();
                out.extend(&chars[i..i + run + body_len + run]);
                i += run + body_len + run;
                continue;
            }
            // An unmatched backtick is literal text.
            plain.push('\\');
            plain.push('`');
            i += 1;
            continue;
        }
        if chars[i] == '[' {
            if let Some((link, next)) = link_at(&chars, i) {
                escape_text(&plain, &mut out);
                plain.clear();
                out.push_str(&link);
                i = next;
                continue;
            }
        }
        plain.push(chars[i]);
        i += 1;
    }
    escape_text(&plain, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escapes_hazards() {
        assert_eq!(sanitize("see [docs](/docs/api) and [x]"), "see [docs](https://plaid.com/docs/api) and \\[x\\]");
        assert_eq!(sanitize("a <b> tag"), "a &lt;b&gt; tag");
        assert_eq!(sanitize("go to https://plaid.com/x."), "go to <https://plaid.com/x>.");
        assert_eq!(sanitize("```\nfn x\n```"), "```text\nfn x\n```");
        assert_eq!(sanitize("    indented"), "indented");
        assert_eq!(sanitize("`[keep]` <x>"), "`[keep]` &lt;x&gt;");
        assert_eq!(sanitize("odd ` tick"), "odd \\` tick");
        assert_eq!(sanitize("auto <https://plaid.com/x> link"), "auto <https://plaid.com/x> link");
        assert_eq!(sanitize("```\nunclosed"), "```text\nunclosed\n```");
    }
}
