//! Where the history lives, and how its times are written.
//!
//! The data folder is chosen in a fixed order so scripts and tests can pin it: an explicit flag
//! (`--data-dir`), then `DEBRIEF_DATA_DIR`, then the platform's data folder (XDG on Linux). The
//! choice is a pure function of its inputs ([`resolve_data_dir_from`]) so it is testable without
//! mutating the process environment, which is `unsafe` in edition 2024.
//!
//! Times are RFC 3339 UTC text with millisecond precision and a fixed width
//! (`2024-05-01T09:30:00.123Z`): humans can read them in any SQLite browser and they sort
//! lexicographically in time order, which the `runs_by_started_at` index relies on. There is no
//! date crate in the dependency tree, so the civil-from-days conversion is written out here.

use super::StoreError;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The database file name inside the data folder.
pub const DB_FILE_NAME: &str = "debrief.sqlite";

/// The environment variable that overrides the default data folder.
pub const DATA_DIR_ENV: &str = "DEBRIEF_DATA_DIR";

/// The data folder to use, created if missing: `flag`, else `$DEBRIEF_DATA_DIR`, else the
/// platform data folder (`~/.local/share/debrief` on Linux).
pub fn resolve_data_dir(flag: Option<&Path>) -> Result<PathBuf, StoreError> {
    let dir = resolve_data_dir_from(flag, std::env::var_os(DATA_DIR_ENV))?;
    std::fs::create_dir_all(&dir).map_err(|cause| StoreError::CreateDir { path: dir.clone(), cause })?;
    Ok(dir)
}

/// The precedence rule of [`resolve_data_dir`], without touching the environment or the disk.
/// An empty flag or environment value counts as absent.
pub fn resolve_data_dir_from(
    flag: Option<&Path>,
    env_value: Option<OsString>,
) -> Result<PathBuf, StoreError> {
    if let Some(flag) = flag.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(flag.to_path_buf());
    }
    if let Some(env) = env_value.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(env));
    }
    default_data_dir().ok_or(StoreError::NoDataDir)
}

/// The platform data folder for debrief, if the platform has a home directory.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "debrief").map(|dirs| dirs.data_dir().to_path_buf())
}

/// The current time as RFC 3339 UTC text.
/// Milliseconds since the Unix epoch (0 for a clock before 1970), for due times in queues.
pub fn now_unix_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

pub fn now_rfc3339() -> String {
    format_rfc3339(SystemTime::now())
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Times before 1970 (a badly set clock) are written as the
/// epoch rather than failing: a timestamp must never stop a result from being saved.
pub fn format_rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let millis = since.subsec_millis();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = if m <= 2 { y + 1 } else { y };
    (year, u32::try_from(m).unwrap_or(1), u32::try_from(d).unwrap_or(1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(at(0, 0)), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day in a century leap year) 12:34:56.789
        assert_eq!(format_rfc3339(at(951_827_696, 789)), "2000-02-29T12:34:56.789Z");
        assert_eq!(format_rfc3339(at(1_704_067_199, 999)), "2023-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339(at(1_704_067_200, 0)), "2024-01-01T00:00:00.000Z");
        // 2100 is not a leap year: 2100-02-28 is followed by 2100-03-01.
        assert_eq!(format_rfc3339(at(4_107_542_400, 0)), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn before_epoch_is_clamped() {
        let before = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(format_rfc3339(before), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn timestamps_sort_in_time_order() {
        let a = format_rfc3339(at(9, 999));
        let b = format_rfc3339(at(10, 0));
        let c = format_rfc3339(at(1_000_000_000, 0));
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(now_rfc3339().len(), a.len());
    }

    #[test]
    fn flag_wins_over_env() {
        let dir =
            resolve_data_dir_from(Some(Path::new("/from/flag")), Some(OsString::from("/from/env"))).unwrap();
        assert_eq!(dir, PathBuf::from("/from/flag"));
    }

    #[test]
    fn env_wins_over_default() {
        let dir = resolve_data_dir_from(None, Some(OsString::from("/from/env"))).unwrap();
        assert_eq!(dir, PathBuf::from("/from/env"));
    }

    #[test]
    fn empty_values_fall_through_to_default() {
        let got = resolve_data_dir_from(Some(Path::new("")), Some(OsString::new()));
        match default_data_dir() {
            Some(default) => {
                assert_eq!(got.unwrap(), default);
                assert!(default.ends_with("debrief"), "{}", default.display());
            }
            None => assert!(matches!(got, Err(StoreError::NoDataDir))),
        }
    }

    #[test]
    fn resolve_creates_the_flag_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let wanted = tmp.path().join("a/b");
        let dir = resolve_data_dir(Some(&wanted)).unwrap();
        assert_eq!(dir, wanted);
        assert!(wanted.is_dir());
    }
}
