//! IoT upkeep every server runs (each round is taken by one server): readings partitions made
//! ahead and dropped after the retention, the minute/hour rollups, and relay commands sent
//! and resent until their node acknowledges them or they expire.

use std::time::Duration;

use app::db::DbPool;
use shared::iot::frame::{self, Secret};
use shared::iot::wire::{Command, Direction, Downlink, DownlinkFrame, PROTOCOL_VERSION, topic};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::link::Downlinks;
use crate::jobs::JobError;

/// Days of partitions kept ready ahead of today.
pub const PARTITIONS_AHEAD_DAYS: i32 = 3;
/// How often partitions are checked.
pub const PARTITIONS_EVERY: Duration = Duration::from_secs(3600);
/// How often the rollups advance.
pub const ROLLUP_EVERY: Duration = Duration::from_secs(10);
/// How often due commands are looked for (a switch on the page reaches the node within this).
pub const COMMANDS_EVERY: Duration = Duration::from_millis(300);

/// Spawns the three jobs.
pub fn spawn(
    tasks: &TaskTracker,
    pool: DbPool,
    retention_days: i32,
    downlinks: Downlinks,
    shutdown: CancellationToken,
) {
    let p = pool.clone();
    tasks.spawn(crate::jobs::every(PARTITIONS_EVERY, shutdown.clone(), move || {
        let p = p.clone();
        async move {
            if let Err(e) = prepare_partitions(&p, retention_days).await {
                tracing::error!(error = %e, "readings partitions could not be prepared");
            }
        }
    }));
    let p = pool.clone();
    tasks.spawn(crate::jobs::every(ROLLUP_EVERY, shutdown.clone(), move || {
        let p = p.clone();
        async move {
            let round = async {
                let mut conn = p.get().await?;
                Ok::<_, JobError>(app::iot::db::upkeep::roll_up(&mut conn, retention_days).await?)
            };
            match round.await {
                Ok(Some(r)) if r != Default::default() => tracing::debug!(?r, "rollup round"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "rollup round failed"),
            }
        }
    }));
    tasks.spawn(crate::jobs::every(COMMANDS_EVERY, shutdown, move || {
        let (p, out) = (pool.clone(), downlinks.clone());
        async move {
            if let Err(e) = send_due_commands(&p, &out).await {
                tracing::warn!(error = %e, "sending relay commands failed");
            }
        }
    }));
}

/// Makes sure the partitions exist (also called once at start-up, before ingest begins).
pub async fn prepare_partitions(pool: &DbPool, retention_days: i32) -> Result<i32, JobError> {
    let mut conn = pool.get().await?;
    let changed = app::iot::db::upkeep::prepare_partitions(&mut conn, PARTITIONS_AHEAD_DAYS, retention_days).await?;
    if changed > 0 {
        tracing::info!(changed, "readings partitions made or dropped");
    }
    Ok(changed)
}

async fn send_due_commands(pool: &DbPool, downlinks: &Downlinks) -> Result<(), JobError> {
    let mut conn = pool.get().await?;
    let due = app::iot::db::commands::claim_due(&mut conn, 200).await?;
    for cmd in due {
        let Some(secret) = Secret::from_bytes(&cmd.secret) else { continue };
        let Ok(command) = serde_json::from_value::<Command>(cmd.command) else {
            tracing::error!(device = %cmd.uid, seq = cmd.seq, "stored command is not a command");
            continue;
        };
        let down = DownlinkFrame { v: PROTOCOL_VERSION, seq: cmd.seq.unsigned_abs(), msg: Downlink::Command(command) };
        let Ok(payload) = frame::encode(&down, &secret, Direction::Down, &cmd.uid) else { continue };
        // Not sent now (link busy): the next attempt is already scheduled.
        downlinks.send(topic(&cmd.uid, Direction::Down), payload);
    }
    Ok(())
}
