//! The database URLs users type, turned into what sqlx expects.

use meteaudata_storage::{StorageAccess, StorageError};

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlUrl {
    /// The URL handed to sea-orm / sqlx.
    pub connect: String,
    /// The same without credentials, for messages.
    pub shown: String,
    /// Which database.
    pub kind: SqlKind,
    /// The file of a SQLite database (`None` for an in-memory one and other databases).
    pub sqlite_file: Option<std::path::PathBuf>,
}

/// The database kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlKind {
    /// SQLite (file or memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

impl SqlUrl {
    /// Accepts SQLAlchemy forms (`sqlite:///relative.db`, `sqlite:////abs/path.db`,
    /// `sqlite:///:memory:`, `postgresql://…`), sqlx forms (`sqlite://file.db`,
    /// `sqlite::memory:`, `postgres://…`) and `mysql://…` / `mariadb://…`.
    pub fn parse(url: &str) -> Result<SqlUrl, StorageError> {
        let invalid = |why: &str| StorageError::InvalidConfig(format!("{}: {why}", redact(url)));
        let (scheme, rest) = url
            .split_once(':')
            .ok_or_else(|| invalid("not a URL (expected <scheme>:…)"))?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let connect = if rest == ":memory:" || rest == "///:memory:" || rest == "//:memory:"
                {
                    "sqlite::memory:".to_owned()
                } else if let Some(abs) = rest.strip_prefix("////") {
                    format!("sqlite:///{abs}?mode=rwc")
                } else if let Some(rel) = rest.strip_prefix("///") {
                    format!("sqlite://{rel}?mode=rwc")
                } else if let Some(rel) = rest.strip_prefix("//") {
                    let sep = if rel.contains('?') { '&' } else { '?' };
                    if rel.contains("mode=") {
                        format!("sqlite://{rel}")
                    } else {
                        format!("sqlite://{rel}{sep}mode=rwc")
                    }
                } else {
                    return Err(invalid(
                        "expected sqlite:///relative.db, sqlite:////absolute.db or sqlite:///:memory:",
                    ));
                };
                let sqlite_file = connect
                    .strip_prefix("sqlite://")
                    .map(|rest| rest.split('?').next().unwrap_or_default())
                    .filter(|path| !path.is_empty())
                    .map(std::path::PathBuf::from);
                Ok(SqlUrl {
                    shown: connect.clone(),
                    connect,
                    kind: SqlKind::Sqlite,
                    sqlite_file,
                })
            }
            "postgres" | "postgresql" => {
                let connect = format!("postgres:{rest}");
                Ok(SqlUrl {
                    shown: redact(&connect),
                    connect,
                    kind: SqlKind::Postgres,
                    sqlite_file: None,
                })
            }
            "mysql" | "mariadb" => {
                let connect = format!("mysql:{rest}");
                Ok(SqlUrl {
                    shown: redact(&connect),
                    connect,
                    kind: SqlKind::MySql,
                    sqlite_file: None,
                })
            }
            other => Err(invalid(&format!("unknown database scheme {other:?}"))),
        }
    }

    /// The URL for opening with `access`: a SQLite file is opened `mode=rwc` (created when
    /// missing), `mode=rw` (must exist) or `mode=ro` (read-only). Server URLs are unchanged.
    pub fn with_access(mut self, access: StorageAccess) -> SqlUrl {
        if self.sqlite_file.is_none() {
            return self;
        }
        let mode = match access {
            StorageAccess::CreateIfMissing => return self,
            StorageAccess::OpenExisting if !self.connect.contains("mode=rwc") => return self,
            StorageAccess::OpenExisting => "mode=rw",
            _ => "mode=ro",
        };
        let set_mode = |url: &str| {
            let (base, query) = url.split_once('?').unwrap_or((url, ""));
            let mut params: Vec<&str> = query
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("mode="))
                .collect();
            params.push(mode);
            format!("{base}?{}", params.join("&"))
        };
        self.connect = set_mode(&self.connect);
        self.shown = set_mode(&self.shown);
        self
    }
}

/// The URL with any password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some(start) = url.find("//").map(|i| i + 2) else {
        return url.to_owned();
    };
    let authority_end = url[start..].find('/').map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &url[start..start + at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{}{hidden}{}", &url[..start], &url[start + at..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_forms() {
        let c = |u: &str| SqlUrl::parse(u).unwrap().connect;
        assert_eq!(c("sqlite:///data/my.db"), "sqlite://data/my.db?mode=rwc");
        assert_eq!(c("sqlite:////tmp/my.db"), "sqlite:///tmp/my.db?mode=rwc");
        assert_eq!(c("sqlite:///:memory:"), "sqlite::memory:");
        let file = |u: &str| SqlUrl::parse(u).unwrap().sqlite_file;
        assert_eq!(file("sqlite:////tmp/my.db"), Some("/tmp/my.db".into()));
        assert_eq!(file("sqlite:///data/my.db"), Some("data/my.db".into()));
        assert_eq!(file("sqlite://file.db?mode=ro"), Some("file.db".into()));
        assert_eq!(file("sqlite:///:memory:"), None);
        assert_eq!(c("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(c("sqlite://file.db"), "sqlite://file.db?mode=rwc");
        assert_eq!(
            c("postgresql://u:secret@127.0.0.1/test"),
            "postgres://u:secret@127.0.0.1/test"
        );
        assert_eq!(
            SqlUrl::parse("postgresql://u:secret@h/db").unwrap().shown,
            "postgres://u:***@h/db"
        );
        assert!(
            SqlUrl::parse("oracle://x")
                .unwrap_err()
                .to_string()
                .contains("oracle")
        );
        assert!(
            !SqlUrl::parse("mysql:://u:pw@")
                .map(|u| u.shown)
                .unwrap_or_default()
                .contains("pw")
        );
        assert_eq!(
            redact("mysql://root:s3cr3t@db:3306/x"),
            "mysql://root:***@db:3306/x"
        );
        assert_eq!(redact("mysql://root@db/x"), "mysql://root@db/x");
        let open = |u: &str, a| SqlUrl::parse(u).unwrap().with_access(a).connect;
        assert_eq!(
            open("sqlite:///d/my.db", StorageAccess::OpenExisting),
            "sqlite://d/my.db?mode=rw"
        );
        assert_eq!(
            open(
                "sqlite://f.db?cache=shared&mode=rw",
                StorageAccess::ReadOnly
            ),
            "sqlite://f.db?cache=shared&mode=ro"
        );
        assert_eq!(
            open("sqlite:///:memory:", StorageAccess::ReadOnly),
            "sqlite::memory:"
        );
    }
}
