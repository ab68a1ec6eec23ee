//! The Leptos runtime options. `Leptos.toml` holds them so the built binary runs without
//! cargo-leptos; it is compiled in, and `LEPTOS_*` environment variables override it (that
//! is how cargo-leptos passes its own values when it runs the binary).

use leptos::config::LeptosOptions;

/// The runtime options file, as compiled into the binary.
pub const LEPTOS_TOML: &str = include_str!("../../Leptos.toml");

/// The options from `Leptos.toml`, overridden by `LEPTOS_*` variables.
pub fn options() -> Result<LeptosOptions, leptos::config::errors::LeptosConfigError> {
    leptos::config::get_config_from_str(LEPTOS_TOML)
}

/// The options to serve with. Hashed file names need `hash.txt` beside the binary (leptos
/// panics on every page without it): when it is missing the names are served unhashed, with
/// a warning, instead.
pub fn with_hash_file_checked(mut options: LeptosOptions) -> LeptosOptions {
    if options.hash_files {
        let beside = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
        if !beside.as_ref().is_some_and(|path| path.exists()) {
            tracing::warn!(
                expected = ?beside,
                "hash.txt (written by `cargo leptos build --release`) is not beside this binary; \
                 serving the site's files under their plain names"
            );
            options.hash_files = false;
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse::<toml::Table>().expect("valid TOML")
    }

    fn leptos_section(t: &toml::Table) -> &toml::Table {
        t["package"]["metadata"]["leptos"]
            .as_table()
            .expect("[package.metadata.leptos]")
    }

    /// cargo-leptos builds from Cargo.toml; the binary runs from Leptos.toml. If they
    /// disagree, a binary started by hand looks for its site where the build did not put it.
    #[test]
    fn leptos_toml_matches_the_build_settings_in_cargo_toml() {
        let cargo = table(include_str!("../../Cargo.toml"));
        let runtime = table(LEPTOS_TOML);
        let build = leptos_section(&cargo);
        let run = leptos_section(&runtime);
        for key in [
            "output-name",
            "site-root",
            "site-pkg-dir",
            "hash-files",
            "site-addr",
            "reload-port",
        ] {
            assert!(run.contains_key(key), "Leptos.toml lacks `{key}`");
        }
        for (key, value) in run {
            if key == "env" {
                continue;
            }
            assert_eq!(
                Some(value),
                build.get(key),
                "`{key}` differs between Leptos.toml and Cargo.toml"
            );
        }
    }

    #[test]
    fn the_compiled_in_options_parse() {
        let options = options().expect("Leptos.toml parses");
        assert_eq!(&*options.output_name, "tenex");
    }
}
