//! [`ParquetBackend`]: the [`StorageBackend`] over an object store.

use std::fmt;
use std::sync::Arc;

use futures::TryStreamExt;
use meteaudata_storage::runtime::block_on;
use meteaudata_storage::{
    Capabilities, Result, SaveMode, SaveOptions, SeriesData, StorageAccess, StorageBackend,
    StorageError, StorageKey,
};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::codec;
use crate::paths::{
    DOCUMENT_EXTENSION, SERIES_EXTENSION, document_key, key_too_long, object_path, prefix_path,
    series_key,
};

const BACKEND: &str = "parquet";

/// Parquet files in an object store (see the crate documentation for the layout).
pub struct ParquetBackend {
    store: Arc<dyn ObjectStore>,
    root: Path,
    location: String,
    persistent: bool,
    /// The directory of a local store: series are read from it directly (not through
    /// object_store).
    local_dir: Option<std::path::PathBuf>,
}

impl fmt::Debug for ParquetBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetBackend")
            .field("location", &self.location)
            .finish()
    }
}

impl ParquetBackend {
    /// A store in the local directory `dir`, created if missing.
    pub fn local(dir: impl AsRef<std::path::Path>) -> Result<ParquetBackend> {
        ParquetBackend::local_with(dir, StorageAccess::CreateIfMissing)
    }

    /// A store in the local directory `dir`. With [`StorageAccess::CreateIfMissing`] a missing
    /// directory is created and the directory is checked to be writable; otherwise it must
    /// exist and opening writes nothing.
    pub fn local_with(
        dir: impl AsRef<std::path::Path>,
        access: StorageAccess,
    ) -> Result<ParquetBackend> {
        let dir = dir.as_ref();
        let shown = dir.display().to_string();
        if dir.exists() && !dir.is_dir() {
            return Err(StorageError::InvalidConfig(format!(
                "{shown} is a file, not a directory"
            )));
        }
        if !access.creates() {
            if !dir.is_dir() {
                return Err(StorageError::MissingStore {
                    location: shown,
                    reason: "the directory does not exist".into(),
                });
            }
        } else {
            std::fs::create_dir_all(dir).map_err(|e| {
                StorageError::backend(BACKEND, format!("cannot create the directory {shown}"), e)
            })?;
            let probe = dir.join(".meteaudata-write-probe");
            std::fs::write(&probe, b"")
                .and_then(|()| std::fs::remove_file(&probe))
                .map_err(|e| {
                    StorageError::backend(
                        BACKEND,
                        format!("cannot write in the directory {shown}"),
                        e,
                    )
                })?;
        }
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| StorageError::backend(BACKEND, format!("cannot open {shown}"), e))?
            .with_automatic_cleanup(true);
        let mut backend = ParquetBackend::with_store(Arc::new(store), Path::default(), shown, true);
        backend.local_dir = Some(dir.to_owned());
        Ok(backend)
    }

    /// A store in this process's memory (for tests; nothing survives the process).
    pub fn in_memory() -> ParquetBackend {
        ParquetBackend::with_store(
            Arc::new(InMemory::new()),
            Path::default(),
            "memory://".into(),
            false,
        )
    }

    /// A store from a URL: `file:///abs/dir`, `memory://`, and with the matching features
    /// `s3://bucket/prefix`, `gs://…`, `az://…` (credentials and endpoint from the usual
    /// environment variables, e.g. `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`).
    pub fn from_url(url: &str) -> Result<ParquetBackend> {
        ParquetBackend::from_url_with(url, std::iter::empty::<(String, String)>())
    }

    /// Like [`ParquetBackend::from_url`], with object-store options (object_store's config
    /// keys, e.g. `aws_endpoint`, `aws_allow_http`, `aws_access_key_id`, `aws_region`) that
    /// take precedence over the environment.
    pub fn from_url_with<K, V>(
        url: &str,
        options: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ParquetBackend>
    where
        K: Into<String>,
        V: Into<String>,
    {
        ParquetBackend::from_url_access(url, options, StorageAccess::CreateIfMissing)
    }

    /// Like [`ParquetBackend::from_url_with`]; `access` says whether a missing local
    /// directory may be created (object-store buckets are never created).
    pub fn from_url_access<K, V>(
        url: &str,
        options: impl IntoIterator<Item = (K, V)>,
        access: StorageAccess,
    ) -> Result<ParquetBackend>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let parsed = url::Url::parse(url)
            .map_err(|e| StorageError::InvalidConfig(format!("{url:?} is not a URL: {e}")))?;
        match parsed.scheme() {
            "file" => {
                let path = parsed.to_file_path().map_err(|()| {
                    StorageError::InvalidConfig(format!("{url:?} is not a local path"))
                })?;
                ParquetBackend::local_with(path, access)
            }
            "memory" => Ok(ParquetBackend::in_memory()),
            _ => {
                let options: Vec<(String, String)> = std::env::vars()
                    .filter(|(k, _)| {
                        ["AWS_", "GOOGLE_", "AZURE_"]
                            .iter()
                            .any(|p| k.starts_with(p))
                    })
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .chain(options.into_iter().map(|(k, v)| (k.into(), v.into())))
                    .collect();
                let (store, root) =
                    object_store::parse_url_opts(&parsed, options).map_err(|e| {
                        StorageError::backend(
                            BACKEND,
                            format!("cannot open the store {}", redact(&parsed)),
                            e,
                        )
                    })?;
                Ok(ParquetBackend::with_store(
                    Arc::from(store),
                    root,
                    redact(&parsed),
                    true,
                ))
            }
        }
    }

    /// A backend over any object store, rooted at `root`; `persistent` says whether data
    /// outlives the process. The store must support `PutMode::Create` (every object_store
    /// store does, the local file system included).
    pub fn with_store(
        store: Arc<dyn ObjectStore>,
        root: Path,
        location: String,
        persistent: bool,
    ) -> ParquetBackend {
        ParquetBackend {
            store,
            root,
            location,
            persistent,
            local_dir: None,
        }
    }

    fn error(&self, path: &Path, key: &StorageKey, error: object_store::Error) -> StorageError {
        match error {
            object_store::Error::NotFound { .. } => StorageError::NotFound {
                key: key.to_string(),
            },
            object_store::Error::AlreadyExists { .. } => StorageError::AlreadyExists {
                key: key.to_string(),
            },
            object_store::Error::Precondition { .. } => StorageError::Conflict {
                key: key.to_string(),
                detail: "another writer changed it since this handle read it; reopen and retry"
                    .into(),
            },
            other => StorageError::backend(
                BACKEND,
                format!("{key} (object {path}) in {}", self.location),
                other,
            ),
        }
    }

    /// Writes `bytes` at `path` for `key`, replacing or only creating.
    fn put(&self, path: &Path, key: &StorageKey, bytes: Vec<u8>, mode: PutMode) -> Result<()> {
        block_on(
            self.store
                .put_opts(path, PutPayload::from(bytes), PutOptions::from(mode)),
        )
        .map(|_| ())
        .map_err(|e| self.error(path, key, e))
    }

    /// The whole object at `path` (read from the file directly in a local store).
    fn read_bytes(&self, path: &Path, key: &StorageKey) -> Result<bytes::Bytes> {
        if let Some(dir) = &self.local_dir {
            return std::fs::read(dir.join(path.as_ref()))
                .map(Into::into)
                .map_err(|e| self.io_error(path, key, e));
        }
        block_on(async { self.store.get(path).await?.bytes().await })
            .map_err(|e| self.error(path, key, e))
    }

    /// The file of the object at `path` in the local store folder `dir`. Objects are
    /// replaced by renaming a new file over them, never rewritten in place, so an open file
    /// stays whole while it is read.
    fn open_local(
        &self,
        dir: &std::path::Path,
        path: &Path,
        key: &StorageKey,
    ) -> Result<std::fs::File> {
        std::fs::File::open(dir.join(path.as_ref())).map_err(|e| self.io_error(path, key, e))
    }

    /// A local file error of the object at `path` for `key`: a missing file is
    /// [`StorageError::NotFound`].
    fn io_error(&self, path: &Path, key: &StorageKey, error: std::io::Error) -> StorageError {
        match error.kind() {
            std::io::ErrorKind::NotFound => StorageError::NotFound {
                key: key.to_string(),
            },
            _ => StorageError::backend(
                BACKEND,
                format!("{key} (object {path}) in {}", self.location),
                error,
            ),
        }
    }

    /// `f` of the bytes of the object at `path`. A local object is read into this thread's
    /// reused buffer: no new memory per object, and the bytes are still in the processor's
    /// cache when `f` checks and decodes them (mapping the file instead cost 11 % more time to
    /// read 10^7 points).
    fn with_object<T>(
        &self,
        path: &Path,
        key: &StorageKey,
        f: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let Some(dir) = &self.local_dir else {
            return f(&self.read_bytes(path, key)?);
        };
        OBJECT_BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            let mut file = self.open_local(dir, path, key)?;
            std::io::Read::read_to_end(&mut file, buffer)
                .map_err(|e| self.io_error(path, key, e))?;
            let out = f(buffer);
            if buffer.capacity() > KEPT_BUFFER {
                *buffer = Vec::new();
            }
            out
        })
    }

    /// The metadata document in the footer of the series object at `path` (an outer error
    /// when the object cannot be read, an inner one when it is not a series of ours).
    fn footer_document(&self, path: &Path) -> Result<Result<String>, object_store::Error> {
        let tail = block_on(async {
            let size = self.store.head(path).await?.size;
            if size < 8 {
                return Ok::<_, object_store::Error>(None);
            }
            let last8 = self.store.get_range(path, size - 8..size).await?;
            let Ok(footer) = codec::footer_length(path.as_ref(), &last8) else {
                return Ok(None);
            };
            let start = size.saturating_sub(8 + footer);
            Ok(Some(
                self.store.get_range(path, start..size).await?.to_vec(),
            ))
        })?;
        Ok(match tail {
            Some(tail) => codec::decode_metadata(path.as_ref(), tail),
            None => Err(StorageError::Corrupt {
                key: path.to_string(),
                reason: "not a Parquet file (too short or no closing magic)".into(),
            }),
        })
    }

    /// Whether the object at `path` is one this backend wrote: a series (a Parquet file whose
    /// footer holds our metadata document) or a document (JSON with our `format_version` and
    /// `name`). Anything else in the store's place is someone else's and never listed or
    /// deleted.
    fn is_own(&self, path: &Path) -> Result<bool> {
        let location = path.as_ref();
        if location.ends_with(SERIES_EXTENSION) {
            return Ok(matches!(self.footer_document(path), Ok(Ok(_))));
        }
        if !location.ends_with(DOCUMENT_EXTENSION) {
            return Ok(false);
        }
        let bytes = match block_on(async { self.store.get(path).await?.bytes().await }) {
            Ok(bytes) => bytes,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => {
                return Err(StorageError::backend(
                    BACKEND,
                    format!("cannot read {path} in {}", self.location),
                    e,
                ));
            }
        };
        Ok(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|doc| {
                doc.get("format_version")
                    .is_some_and(serde_json::Value::is_u64)
                    && doc.get("name").is_some_and(serde_json::Value::is_string)
            }),
        )
    }

    fn all_objects(&self, prefix: &Path) -> Result<Vec<Path>> {
        block_on(async {
            self.store
                .list(Some(prefix))
                .map_ok(|meta| meta.location)
                .try_collect::<Vec<_>>()
                .await
        })
        .map_err(|e| {
            StorageError::backend(
                BACKEND,
                format!("cannot list {prefix} in {}", self.location),
                e,
            )
        })
    }
}

thread_local! {
    /// The bytes of the last local object this thread read, kept for the next one.
    static OBJECT_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A thread keeps its object buffer between reads up to this capacity (a series is stored
/// as objects of at most 131,072 points, about 1 MiB of floats).
const KEPT_BUFFER: usize = 8 << 20;

/// The CRC-32 of an object's bytes, as recorded in version manifests.
fn checksum(bytes: &[u8]) -> String {
    format!("crc32:{:08x}", crc32fast::hash(bytes))
}

/// The URL without user name or password.
fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

impl StorageBackend for ParquetBackend {
    fn backend_type(&self) -> &str {
        BACKEND
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
            .persistent(self.persistent)
            .shared(self.persistent)
            .conditional_writes(true)
            .metadata_only_reads(true)
            .concurrent_calls(true)
    }

    fn check_key(&self, key: &StorageKey) -> Result<()> {
        match key_too_long(&self.root, key, self.local_dir.is_some()) {
            Some(reason) => Err(StorageError::InvalidKey {
                key: key.to_string(),
                reason,
            }),
            None => Ok(()),
        }
    }

    fn save(&self, key: &StorageKey, series: &SeriesData, options: SaveOptions) -> Result<()> {
        self.check_key(key)?;
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        let bytes = codec::encode(series)?;
        let mode = match options.mode {
            SaveMode::CreateNew => PutMode::Create,
            _ => PutMode::Overwrite,
        };
        self.put(&path, key, bytes, mode)
    }

    /// Writes the object once and returns the CRC-32 of its bytes (`crc32:<8 hex digits>`).
    fn save_object(&self, key: &StorageKey, series: &SeriesData) -> Result<Option<String>> {
        self.check_key(key)?;
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        let bytes = codec::encode(series)?;
        let checksum = checksum(&bytes);
        self.put(&path, key, bytes, PutMode::Create)?;
        Ok(Some(checksum))
    }

    /// Reads the object's bytes, checks their CRC-32 against `checksum`, then decodes them: a
    /// changed byte is an error naming the object, never wrong values.
    fn load_object(&self, key: &StorageKey, expected: Option<&str>) -> Result<SeriesData> {
        let Some(expected) = expected else {
            return self.load(key);
        };
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        let verify = |bytes: &[u8]| {
            let actual = checksum(bytes);
            if actual == expected {
                return Ok(());
            }
            Err(StorageError::Corrupt {
                key: format!("{key} (object {path} in {})", self.location),
                reason: format!(
                    "its bytes changed since they were written: checksum {actual}, expected {expected}"
                ),
            })
        };
        self.with_object(&path, key, |bytes| {
            verify(bytes)?;
            codec::decode(path.as_ref(), bytes)
        })
    }

    fn load(&self, key: &StorageKey) -> Result<SeriesData> {
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        self.with_object(&path, key, |bytes| codec::decode(path.as_ref(), bytes))
    }

    fn load_metadata(&self, key: &StorageKey) -> Result<String> {
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        self.footer_document(&path)
            .map_err(|e| self.error(&path, key, e))?
    }

    fn delete(&self, key: &StorageKey) -> Result<()> {
        if !self.exists(key)? {
            return Err(StorageError::NotFound {
                key: key.to_string(),
            });
        }
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        block_on(self.store.delete(&path)).map_err(|e| self.error(&path, key, e))
    }

    fn exists(&self, key: &StorageKey) -> Result<bool> {
        let path = object_path(&self.root, key, SERIES_EXTENSION);
        match block_on(self.store.head(&path)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.error(&path, key, e)),
        }
    }

    fn list_keys(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        let mut keys = Vec::new();
        for location in self.all_objects(&prefix_path(&self.root, prefix))? {
            if let Ok(Some(key)) = series_key(&self.root, &location)
                && self.is_own(&location)?
            {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn save_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        self.check_key(key)?;
        let path = object_path(&self.root, key, DOCUMENT_EXTENSION);
        self.put(&path, key, document.as_bytes().to_vec(), PutMode::Overwrite)
    }

    fn create_document(&self, key: &StorageKey, document: &str) -> Result<()> {
        self.check_key(key)?;
        let path = object_path(&self.root, key, DOCUMENT_EXTENSION);
        self.put(&path, key, document.as_bytes().to_vec(), PutMode::Create)
    }

    fn load_document(&self, key: &StorageKey) -> Result<String> {
        let path = object_path(&self.root, key, DOCUMENT_EXTENSION);
        let bytes = self.read_bytes(&path, key)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| StorageError::Corrupt {
            key: path.to_string(),
            reason: "the document is not UTF-8".into(),
        })
    }

    fn list_documents(&self, prefix: Option<&StorageKey>) -> Result<Vec<StorageKey>> {
        let mut keys = Vec::new();
        for location in self.all_objects(&prefix_path(&self.root, prefix))? {
            if let Ok(Some(key)) = document_key(&self.root, &location) {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn delete_document(&self, key: &StorageKey) -> Result<()> {
        let path = object_path(&self.root, key, DOCUMENT_EXTENSION);
        block_on(self.store.head(&path)).map_err(|e| self.error(&path, key, e))?;
        block_on(self.store.delete(&path)).map_err(|e| self.error(&path, key, e))
    }

    fn clear(&self, prefix: Option<&StorageKey>) -> Result<()> {
        let mut candidates = self.all_objects(&prefix_path(&self.root, prefix))?;
        if let Some(prefix) = prefix {
            candidates.push(object_path(&self.root, prefix, DOCUMENT_EXTENSION));
        }
        let mut doomed = Vec::with_capacity(candidates.len());
        for path in candidates {
            if self.is_own(&path)? {
                doomed.push(path);
            }
        }
        for path in doomed {
            match block_on(self.store.delete(&path)) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    return Err(StorageError::backend(
                        BACKEND,
                        format!("cannot delete {path} in {}", self.location),
                        e,
                    ));
                }
            }
        }
        Ok(())
    }
}
