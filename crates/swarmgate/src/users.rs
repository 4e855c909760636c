//! The operator's account commands (`swarmgate user ...`): create the
//! first administrator, reset a password, disable or re-enable an
//! account, change a role. They open the configured database (SQLite or
//! PostgreSQL) through [`crate::app::open_store`], so they work whether
//! or not the server runs. Passwords come from standard input, never
//! from the command line (which other users see in `ps`).

use crate::config::Config;
use anyhow::{Context as _, bail};
use portal::passwords;
use std::io::BufRead;
use store::{NewUser, Role, Store, StoreError, Username};

/// Reads a password: the first line of `input`, without its line ending.
pub fn read_password(input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .take(4096)
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if !passwords::acceptable(&password) {
        bail!(
            "the password must have {} to {} characters",
            passwords::MIN_LEN,
            passwords::MAX_LEN
        );
    }
    Ok(password)
}

pub fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s)
        .with_context(|| format!("unknown role {s:?}: use admin, moderator, uploader or member"))
}

fn parse_name(name: &str) -> anyhow::Result<Username> {
    Username::parse(name).map_err(|e| anyhow::anyhow!("{name:?}: {e}"))
}

async fn with_store<T>(
    config: &Config,
    f: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = crate::app::open_store(config).await?;
    let result = f(&store).await;
    store.close().await;
    result
}

/// In tracker mode `private`, asks a running server to reload its members
/// through the control socket, so the change applies to the tracker at
/// once; says what happened, in a line for the operator.
async fn tell_tracker(config: &Config) -> String {
    if config.tracker.mode != crate::config::TrackerMode::Private {
        return String::new();
    }
    match crate::reload::send_command(&config.storage.data_dir, "members reload").await {
        Ok(answer) if answer.starts_with("ok") => "the running tracker applied it\n".into(),
        Ok(answer) => format!("the running tracker did not apply it: {answer}\n"),
        Err(_) => format!(
            "no running swarmgate reached here; a running one applies it within \
             accounting.members_reload_secs ({} s)\n",
            config.accounting.members_reload_secs
        ),
    }
}

async fn find(store: &Store, name: &Username) -> anyhow::Result<store::User> {
    store
        .user_by_name(name)
        .await?
        .with_context(|| format!("no account named {name}"))
}

/// `swarmgate user add NAME --role ROLE --password-stdin`.
pub async fn add(
    config: &Config,
    name: &str,
    role: Role,
    password: String,
) -> anyhow::Result<String> {
    let username = parse_name(name)?;
    let hash = passwords::hash_blocking(password).await;
    with_store(config, async |store| {
        let now = portal::clock::WallClock::now(&portal::clock::SystemWallClock);
        let created = store
            .create_user(&NewUser {
                username: &username,
                password_hash: &hash,
                role,
                passkey: &portal::new_passkey(),
                created_at: now,
            })
            .await;
        match created {
            Ok(_) => Ok(format!(
                "created {role} {username}\n{}",
                tell_tracker(config).await
            )),
            Err(StoreError::Conflict("username")) => bail!("an account named {username} exists"),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// `swarmgate user passwd NAME --password-stdin`: also logs the account
/// out everywhere.
pub async fn passwd(config: &Config, name: &str, password: String) -> anyhow::Result<String> {
    let username = parse_name(name)?;
    let hash = passwords::hash_blocking(password).await;
    with_store(config, async |store| {
        let user = find(store, &username).await?;
        store.set_password(user.id, &hash).await?;
        Ok(format!(
            "changed the password of {username}; its sessions ended\n"
        ))
    })
    .await
}

/// `swarmgate user disable|enable NAME`.
pub async fn set_disabled(config: &Config, name: &str, disabled: bool) -> anyhow::Result<String> {
    let username = parse_name(name)?;
    with_store(config, async |store| {
        let user = find(store, &username).await?;
        store.set_disabled(user.id, disabled).await?;
        let tracker = tell_tracker(config).await;
        Ok(if disabled {
            format!("disabled {username}; its sessions ended\n{tracker}")
        } else {
            format!("enabled {username}\n{tracker}")
        })
    })
    .await
}

/// `swarmgate user role NAME ROLE`.
pub async fn set_role(config: &Config, name: &str, role: Role) -> anyhow::Result<String> {
    let username = parse_name(name)?;
    with_store(config, async |store| {
        let user = find(store, &username).await?;
        store.set_role(user.id, role).await?;
        Ok(format!("{username} is now {role}\n"))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_ending() {
        let p = read_password(&b"correct horse\r\nignored"[..]).unwrap();
        assert_eq!(p, "correct horse");
        assert!(read_password(&b"short\n"[..]).is_err());
    }
}
