//! The node's settings, counters and analog calibration in flash, inside the `nvs` data partition
//! of the partition table (ESP-IDF's NVS library is not used, so its space is free): each in
//! two sectors (A/B: provisioning 0–1, counters 2–3, calibration 4–5), each written to the slot that does not hold the
//! newest good record, so a power cut mid-write always leaves the previous one readable.

use core::cell::RefCell;

use critical_section::Mutex;
use esp_bootloader_esp_idf::partitions::{self, DataPartitionSubType, PartitionType};
use esp_hal::peripherals::FLASH;
use esp_storage::FlashStorage;
use mostrador_node::calibration::{CALIBRATION_LEN, Calibration};
use mostrador_node::counters::{COUNTERS_LEN, Counters};
use mostrador_node::provision::{self, Provisioning, RECORD_LEN, Slot};

const SECTOR: u32 = FlashStorage::SECTOR_SIZE;
/// Where the `nvs` partition starts in the default table, used if the table cannot be read.
const DEFAULT_NVS: u32 = 0x9000;

/// Why a save failed.
#[derive(Debug)]
pub enum StorageError {
    /// The flash driver refused (alignment, range) or the chip failed.
    Flash(esp_storage::FlashStorageError),
    /// The record did not read back as written.
    Verify,
    /// The partition table has no usable `nvs` partition (see the log at boot).
    NoPartition,
}

impl core::fmt::Display for StorageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Flash(e) => write!(f, "flash: {e:?}"),
            Self::Verify => f.write_str("flash: the record did not read back as written"),
            Self::NoPartition => f.write_str("flash: no nvs partition for the settings"),
        }
    }
}

struct Inner {
    flash: FlashStorage<'static>,
    base: u32,
}

/// Shared access to the flash region (the console and the session both save).
#[derive(Clone, Copy)]
pub struct Flash(&'static Mutex<RefCell<Option<Inner>>>);

static FLASH_CELL: Mutex<RefCell<Option<Inner>>> = Mutex::new(RefCell::new(None));

impl Flash {
    /// Opens the flash and finds the `nvs` partition (six sectors are needed; the default
    /// table's is six).
    pub fn new(flash: FLASH<'static>) -> Self {
        let mut storage = FlashStorage::new(flash);
        let mut table = [0u8; partitions::PARTITION_TABLE_MAX_LEN];
        let nvs = partitions::read_partition_table(&mut storage, &mut table)
            .ok()
            .map(|t| t.find_partition(PartitionType::Data(DataPartitionSubType::Nvs)).ok().flatten());
        let base = match nvs {
            Some(Some(p)) if p.len() >= 6 * SECTOR => Some(p.offset()),
            // A table without room for the settings: refuse rather than write into whatever
            // partition follows.
            Some(Some(p)) => {
                log::error!("the nvs partition has {} bytes; the node needs 6 sectors", p.len());
                None
            }
            Some(None) => {
                log::error!("the partition table has no nvs partition for the node's settings");
                None
            }
            // No readable table at all: the layout espflash writes by default.
            None => Some(DEFAULT_NVS),
        };
        if let Some(base) = base {
            log::info!("settings in flash at {base:#x}");
        }
        if let Some(base) = base {
            critical_section::with(|cs| FLASH_CELL.borrow(cs).replace(Some(Inner { flash: storage, base })));
        }
        Self(&FLASH_CELL)
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> Option<R> {
        critical_section::with(|cs| self.0.borrow(cs).borrow_mut().as_mut().map(f))
    }

    fn read_pair<const N: usize>(&self, first: u32) -> ([u8; N], [u8; N]) {
        let (mut a, mut b) = ([0xFF; N], [0xFF; N]);
        self.with(|inner| {
            let base = inner.base + first * SECTOR;
            if inner.flash.read(base, &mut a).is_err() || inner.flash.read(base + SECTOR, &mut b).is_err() {
                log::error!("flash read failed at {base:#x}");
            }
        });
        (a, b)
    }

    fn write_sector(&self, sector: u32, bytes: &[u8]) -> Result<(), StorageError> {
        self.with(|inner| {
            let at = inner.base + sector * SECTOR;
            // Erase, then program the record (word-aligned: every record is a multiple of 4
            // bytes at a sector start), with no second read-erase-write cycle.
            inner.flash.erase(at, at + SECTOR).map_err(StorageError::Flash)?;
            inner.flash.write_nor(at, bytes).map_err(StorageError::Flash)?;
            let mut back = [0u8; RECORD_LEN];
            let back = &mut back[..bytes.len()];
            inner.flash.read(at, back).map_err(StorageError::Flash)?;
            if back != bytes { Err(StorageError::Verify) } else { Ok(()) }
        })
        .unwrap_or(Err(StorageError::NoPartition))
    }

    /// Writes `bytes` into the slot of the pair at `first` that does not hold the newest record
    /// (the second one when the newest is in the first).
    fn write_older(&self, first: u32, newest_in_first: bool, bytes: &[u8]) -> Result<(), StorageError> {
        self.write_sector(if newest_in_first { first + 1 } else { first }, bytes)
    }

    fn erase_sector(&self, sector: u32) -> Result<(), StorageError> {
        self.with(|inner| {
            let at = inner.base + sector * SECTOR;
            inner.flash.erase(at, at + SECTOR).map_err(StorageError::Flash)
        })
        .unwrap_or(Err(StorageError::NoPartition))
    }

    /// The newest good provisioning record, or `None` for a blank (or unreadable) node.
    pub fn load_provisioning(&self) -> Option<Provisioning> {
        let (a, b) = self.read_pair::<RECORD_LEN>(0);
        provision::pick(&a, &b).map(|(_, p)| p)
    }

    /// Saves `provisioning` into the slot not holding the newest record.
    pub fn save_provisioning(&self, provisioning: &Provisioning) -> Result<(), StorageError> {
        let (a, b) = self.read_pair::<RECORD_LEN>(0);
        let (slot, generation) = provision::next_slot(&a, &b);
        let mut record = [0xFF; RECORD_LEN];
        provisioning.encode(generation, &mut record);
        self.write_older(0, slot == Slot::B, &record)
    }

    /// Erases both provisioning slots, the older one first, so a power cut in between leaves
    /// the newest record rather than bringing back an older one. The counters stay: frame
    /// numbers are never reused, whoever provisions the node next.
    pub fn erase_provisioning(&self) -> Result<(), StorageError> {
        let (a, b) = self.read_pair::<RECORD_LEN>(0);
        let newest_in_b = matches!(provision::pick(&a, &b), Some((Slot::B, _)));
        let order = if newest_in_b { [0, 1] } else { [1, 0] };
        order.into_iter().try_for_each(|sector| self.erase_sector(sector))
    }

    /// The counters (defaults on a new node).
    pub fn load_counters(&self) -> Counters {
        let (a, b) = self.read_pair::<COUNTERS_LEN>(2);
        Counters::pick(&a, &b).0
    }

    /// Saves the counters into the slot not holding the newest record.
    pub fn save_counters(&self, counters: &Counters) -> Result<(), StorageError> {
        let (a, b) = self.read_pair::<COUNTERS_LEN>(2);
        let (_, newest_in_a) = Counters::pick(&a, &b);
        self.write_older(2, newest_in_a, &counters.encode())
    }

    /// The analog calibration (factory defaults on a new node).
    pub fn load_calibration(&self) -> Calibration {
        let (a, b) = self.read_pair::<CALIBRATION_LEN>(4);
        Calibration::pick(&a, &b).0
    }

    /// Saves the calibration into the slot not holding the newest record.
    pub fn save_calibration(&self, calibration: &Calibration) -> Result<(), StorageError> {
        let (a, b) = self.read_pair::<CALIBRATION_LEN>(4);
        let (_, newest_in_a) = Calibration::pick(&a, &b);
        self.write_older(4, newest_in_a, &calibration.encode())
    }
}
