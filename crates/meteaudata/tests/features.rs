//! The README lists the facade's features with the words of their `##` comments in
//! `Cargo.toml` (which also generate the crate documentation's list): one source, checked.

#[test]
fn the_readme_lists_every_feature_as_cargo_toml_describes_it() {
    let root = env!("CARGO_MANIFEST_DIR");
    let manifest = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap();
    let readme = std::fs::read_to_string(format!("{root}/../../README.md")).unwrap();
    let features = &manifest[manifest.find("[features]").unwrap()..];
    let features = &features[..features[1..].find("\n[").unwrap() + 1];
    let defaults: Vec<&str> = features
        .lines()
        .find_map(|l| l.strip_prefix("default = ["))
        .unwrap()
        .trim_end_matches(']')
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect();
    let mut expected = Vec::new();
    let mut comment = None;
    for line in features.lines() {
        if let Some(text) = line.strip_prefix("## ") {
            comment = Some(text.trim());
        } else if let (Some(text), Some((name, _))) = (comment.take(), line.split_once('=')) {
            let name = name.trim();
            let default = if defaults.contains(&name) {
                " (default)"
            } else {
                ""
            };
            expected.push(format!("- `{name}`{default}: {text}"));
        }
    }
    assert!(expected.len() >= 10, "{expected:?}");
    let block = expected.join("\n");
    assert!(
        readme.contains(&block),
        "the README's feature list differs from Cargo.toml; it should read:\n{block}"
    );
}
