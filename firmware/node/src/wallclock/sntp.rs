//! SNTP (RFC 4330) for the node: the 48-byte request it sends to an NTP server over UDP, and the
//! checks and arithmetic that turn the server's reply into Unix ms at the moment the reply arrived,
//! measured with the monotonic clock (the node has no other).

use core::fmt;

use super::is_plausible;

/// An NTP packet without extension fields or authenticator, the only kind SNTP needs.
pub const PACKET_LEN: usize = 48;

/// The UDP port NTP servers listen on.
pub const PORT: u16 = 123;

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const NTP_TO_UNIX_SECS: u64 = 2_208_988_800;

/// The longest round trip worth using: half of it is the worst-case error of the result, and
/// beyond a few seconds the node does better to ask again than to trust it.
pub const MAX_ROUND_TRIP_MS: u64 = 10_000;

const REFERENCE_ID: usize = 12;
const ORIGINATE: usize = 24;
const RECEIVE: usize = 32;
const TRANSMIT: usize = 40;

/// An SNTP reply that was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SntpError {
    /// Fewer than [`PACKET_LEN`] bytes (carries the length).
    Short(usize),
    /// Not mode 4 (server); broadcast (5) is refused too, it cannot be matched to a request.
    Mode(u8),
    /// Not NTP version 3 or 4.
    Version(u8),
    /// The Originate Timestamp is not the value we sent: a stale reply or a spoofed one.
    OriginMismatch,
    /// Stratum 0, a kiss-o'-death with its four-letter code. RFC 4330 section 8: `RATE` means ask
    /// less often; `DENY` and `RSTR` mean stop asking this server.
    KissOfDeath([u8; 4]),
    /// Leap indicator 3: the server's own clock is not synchronised.
    Unsynchronised,
    /// Stratum 16 or more: not synchronised (carries the stratum).
    Stratum(u8),
    /// The Transmit Timestamp is zero, so there is no time in the reply.
    ZeroTransmit,
    /// The reply arrived before the request left, by the monotonic times given.
    MonotonicBackwards,
    /// The round trip took longer than [`MAX_ROUND_TRIP_MS`] (carries it, in ms).
    RoundTripTooLong(u64),
    /// The server's time is outside 2024-2099 (carries it in Unix ms, 0 if before 1970).
    OutOfRange(u64),
}

impl fmt::Display for SntpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Short(len) => write!(f, "SNTP reply of {len} bytes, expected at least {PACKET_LEN}"),
            Self::Mode(mode) => write!(f, "SNTP packet in mode {mode}, expected 4 (server)"),
            Self::Version(version) => write!(f, "SNTP reply of version {version}, expected 3 or 4"),
            Self::OriginMismatch => f.write_str("SNTP reply does not answer our request (stale or spoofed)"),
            Self::KissOfDeath(code) => {
                f.write_str("SNTP kiss-o'-death ")?;
                code.iter().try_for_each(|&b| write!(f, "{}", if b.is_ascii_graphic() { char::from(b) } else { '?' }))
            }
            Self::Unsynchronised => f.write_str("SNTP server is not synchronised (leap indicator 3)"),
            Self::Stratum(stratum) => write!(f, "SNTP server at stratum {stratum}, not synchronised"),
            Self::ZeroTransmit => f.write_str("SNTP reply has no transmit time"),
            Self::MonotonicBackwards => f.write_str("SNTP reply received before the request was sent"),
            Self::RoundTripTooLong(ms) => write!(f, "SNTP round trip of {ms} ms, over {MAX_ROUND_TRIP_MS}"),
            Self::OutOfRange(ms) => write!(f, "SNTP server time {ms} ms is outside 2024-2099"),
        }
    }
}

impl core::error::Error for SntpError {}

/// A client request: leap indicator 0, version 4, mode 3, everything zero but the Transmit
/// Timestamp, which carries `nonce`. The server copies it to the reply's Originate Timestamp
/// without reading it, so the firmware passes a fresh random number from the hardware RNG (not
/// its monotonic clock: a guessable value lets an off-path attacker forge a reply) and gives the
/// same value to [`parse`]. A nonce of 0 never matches.
pub fn request(nonce: u64) -> [u8; PACKET_LEN] {
    let mut packet = [0; PACKET_LEN];
    packet[0] = (4 << 3) | 3;
    packet[TRANSMIT..].copy_from_slice(&nonce.to_be_bytes());
    packet
}

/// Unix ms when `reply` arrived, i.e. at monotonic `received_mono_ms`, for the request built with
/// `nonce` and sent at monotonic `sent_mono_ms`. The server's transmit time T3 is moved forward by
/// the reply's travel time, taken as half the round trip less the server's own processing time
/// (T3 - T2): `T4 = T3 + (rtt - (T3 - T2)) / 2`, RFC 4330's offset formula for a client that has
/// no wall clock of its own.
pub fn parse(reply: &[u8], nonce: u64, sent_mono_ms: u64, received_mono_ms: u64) -> Result<u64, SntpError> {
    let packet: &[u8; PACKET_LEN] = reply.first_chunk().ok_or(SntpError::Short(reply.len()))?;
    let (leap, version, mode) = (packet[0] >> 6, (packet[0] >> 3) & 0b111, packet[0] & 0b111);
    if mode != 4 {
        return Err(SntpError::Mode(mode));
    }
    if !matches!(version, 3 | 4) {
        return Err(SntpError::Version(version));
    }
    // Before trusting anything else, even a kiss-o'-death: a spoofed one would silence the node.
    if nonce == 0 || timestamp(packet, ORIGINATE) != nonce {
        return Err(SntpError::OriginMismatch);
    }
    match packet[1] {
        0 => {
            let mut code = [0; 4];
            code.copy_from_slice(&packet[REFERENCE_ID..REFERENCE_ID + 4]);
            return Err(SntpError::KissOfDeath(code));
        }
        1..=15 => {}
        stratum => return Err(SntpError::Stratum(stratum)),
    }
    if leap == 3 {
        return Err(SntpError::Unsynchronised);
    }
    let (received, transmitted) = (timestamp(packet, RECEIVE), timestamp(packet, TRANSMIT));
    if transmitted == 0 {
        return Err(SntpError::ZeroTransmit);
    }
    let round_trip = received_mono_ms.checked_sub(sent_mono_ms).ok_or(SntpError::MonotonicBackwards)?;
    if round_trip > MAX_ROUND_TRIP_MS {
        return Err(SntpError::RoundTripTooLong(round_trip));
    }
    let transmitted_ms = unix_ms_from_ntp(transmitted).ok_or(SntpError::OutOfRange(0))?;
    // A server that leaves T2 out, or puts it after T3, is taken as answering at once.
    let processing = if received == 0 { 0 } else { duration_ms(received, transmitted).unwrap_or(0) };
    let unix_ms = transmitted_ms + round_trip.saturating_sub(processing) / 2;
    if is_plausible(unix_ms) { Ok(unix_ms) } else { Err(SntpError::OutOfRange(unix_ms)) }
}

/// Unix ms for an NTP timestamp (seconds since 1900 in the high 32 bits, the fraction in the low
/// 32), rounded to the nearest ms; `None` before 1970. The seconds wrap on 2036-02-07 (era 1):
/// a value below 2^31 is read as era 1, so the range covered is 1968-01-20 to 2104-02-26.
pub fn unix_ms_from_ntp(timestamp: u64) -> Option<u64> {
    let seconds = timestamp >> 32;
    let era_start = if seconds < 1 << 31 { 1 << 32 } else { 0 };
    let unix_seconds = (era_start + seconds).checked_sub(NTP_TO_UNIX_SECS)?;
    Some(unix_seconds * 1_000 + fraction_ms(timestamp))
}

/// Milliseconds from `from` to `to`, correct across the era wrap; `None` if `to` is earlier.
fn duration_ms(from: u64, to: u64) -> Option<u64> {
    let difference = to.wrapping_sub(from);
    if difference >= 1 << 63 { None } else { Some((difference >> 32) * 1_000 + fraction_ms(difference)) }
}

/// The low 32 bits (a fraction of a second) in ms, rounded to nearest (so 0..=1000).
fn fraction_ms(timestamp: u64) -> u64 {
    ((timestamp & 0xFFFF_FFFF) * 1_000 + (1 << 31)) >> 32
}

/// The big-endian 64-bit timestamp at byte `at`.
fn timestamp(packet: &[u8; PACKET_LEN], at: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&packet[at..at + 8]);
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: u64 = 0x1234_5678_9ABC_DEF0;
    /// 2025-06-01T12:00:00.250Z.
    const T3: u64 = 0xEBE6_BF40_4000_0000;
    const T3_UNIX_MS: u64 = 1_748_779_200_250;
    /// 5 ms as an NTP fraction (5 / 1000 * 2^32).
    const FIVE_MS: u64 = 21_474_836;

    /// A synchronised stratum 2 server's reply to `NONCE`.
    fn reply(receive: u64, transmit: u64) -> [u8; PACKET_LEN] {
        let mut packet = [0; PACKET_LEN];
        packet[0] = 0x24;
        packet[1] = 2;
        packet[ORIGINATE..RECEIVE].copy_from_slice(&NONCE.to_be_bytes());
        packet[RECEIVE..TRANSMIT].copy_from_slice(&receive.to_be_bytes());
        packet[TRANSMIT..].copy_from_slice(&transmit.to_be_bytes());
        packet
    }

    #[test]
    fn request_is_a_version_4_client_packet_carrying_the_nonce() {
        let packet = request(NONCE);
        assert_eq!(packet[0], 0b00_100_011);
        assert!(packet[1..TRANSMIT].iter().all(|&b| b == 0));
        assert_eq!(packet[TRANSMIT..], NONCE.to_be_bytes());
    }

    #[test]
    fn captured_reply_gives_the_exact_unix_milliseconds() {
        #[rustfmt::skip]
        let captured = [
            0x24, 0x02, 0x03, 0xE9, // LI 0, VN 4, mode 4; stratum 2; poll 3; precision 2^-23
            0x00, 0x00, 0x02, 0x1B, // root delay
            0x00, 0x00, 0x04, 0x5A, // root dispersion
            0xC0, 0x24, 0x8F, 0x82, // reference id: the upstream server's IPv4 address
            0xEB, 0xE6, 0xBF, 0x10, 0x8C, 0x1F, 0x3A, 0x00, // reference: synchronised 48 s before
            0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, // originate: our nonce
            0xEB, 0xE6, 0xBF, 0x40, 0x3F, 0xFF, 0x58, 0x10, // receive: 10 us before transmit
            0xEB, 0xE6, 0xBF, 0x40, 0x40, 0x00, 0x00, 0x00, // transmit: 2025-06-01T12:00:00.250Z
        ];
        assert_eq!(parse(&captured, NONCE, 1_000, 1_030), Ok(T3_UNIX_MS + 15));
        assert_eq!(parse(&captured, NONCE, 1_000, 1_000), Ok(T3_UNIX_MS));
    }

    #[test]
    fn half_the_round_trip_less_the_server_processing_is_added() {
        assert_eq!(parse(&reply(T3, T3), NONCE, 2_000, 2_045), Ok(T3_UNIX_MS + 22));
        assert_eq!(parse(&reply(T3 - FIVE_MS, T3), NONCE, 2_000, 2_045), Ok(T3_UNIX_MS + 20));
    }

    #[test]
    fn a_server_slower_than_the_round_trip_or_without_receive_time_adds_nothing_odd() {
        assert_eq!(parse(&reply(T3 - (1 << 32), T3), NONCE, 0, 40), Ok(T3_UNIX_MS));
        assert_eq!(parse(&reply(T3 + FIVE_MS, T3), NONCE, 0, 40), Ok(T3_UNIX_MS + 20));
        assert_eq!(parse(&reply(0, T3), NONCE, 0, 40), Ok(T3_UNIX_MS + 20));
    }

    #[test]
    fn a_reply_to_another_request_is_refused() {
        assert_eq!(parse(&reply(T3, T3), NONCE + 1, 0, 10), Err(SntpError::OriginMismatch));
        let mut zero_origin = reply(T3, T3);
        zero_origin[ORIGINATE..RECEIVE].fill(0);
        assert_eq!(parse(&zero_origin, 0, 0, 10), Err(SntpError::OriginMismatch));
    }

    #[test]
    fn kiss_o_death_rate_is_recognised_even_with_the_alarm_leap_indicator() {
        let mut kiss = reply(0, 0);
        kiss[0] = 0xE4;
        kiss[1] = 0;
        kiss[REFERENCE_ID..REFERENCE_ID + 4].copy_from_slice(b"RATE");
        assert_eq!(parse(&kiss, NONCE, 0, 10), Err(SntpError::KissOfDeath(*b"RATE")));
        assert_eq!(SntpError::KissOfDeath(*b"RAT\0").to_string(), "SNTP kiss-o'-death RAT?");
    }

    #[test]
    fn an_unsynchronised_server_is_refused() {
        let mut alarm = reply(T3, T3);
        alarm[0] = 0xE4;
        assert_eq!(parse(&alarm, NONCE, 0, 10), Err(SntpError::Unsynchronised));
        let mut stratum_16 = reply(T3, T3);
        stratum_16[1] = 16;
        assert_eq!(parse(&stratum_16, NONCE, 0, 10), Err(SntpError::Stratum(16)));
    }

    #[test]
    fn client_and_broadcast_packets_and_old_versions_are_refused() {
        let mut packet = reply(T3, T3);
        packet[0] = 0x23;
        assert_eq!(parse(&packet, NONCE, 0, 10), Err(SntpError::Mode(3)));
        packet[0] = 0x25;
        assert_eq!(parse(&packet, NONCE, 0, 10), Err(SntpError::Mode(5)));
        packet[0] = 0x14;
        assert_eq!(parse(&packet, NONCE, 0, 10), Err(SntpError::Version(2)));
        packet[0] = 0x1C;
        assert_eq!(parse(&packet, NONCE, 0, 10), Ok(T3_UNIX_MS + 5));
    }

    #[test]
    fn a_short_packet_is_refused() {
        assert_eq!(parse(&reply(T3, T3)[..47], NONCE, 0, 10), Err(SntpError::Short(47)));
        assert_eq!(parse(&[], NONCE, 0, 10), Err(SntpError::Short(0)));
    }

    #[test]
    fn a_reply_without_a_time_or_with_a_useless_round_trip_is_refused() {
        assert_eq!(parse(&reply(T3, 0), NONCE, 0, 10), Err(SntpError::ZeroTransmit));
        assert_eq!(parse(&reply(T3, T3), NONCE, 0, 10_001), Err(SntpError::RoundTripTooLong(10_001)));
        assert_eq!(parse(&reply(T3, T3), NONCE, 10, 0), Err(SntpError::MonotonicBackwards));
    }

    #[test]
    fn a_server_in_1970_or_after_2100_is_refused() {
        let dead_battery = NTP_TO_UNIX_SECS << 32;
        assert_eq!(parse(&reply(dead_battery, dead_battery), NONCE, 0, 0), Err(SntpError::OutOfRange(0)));
        let pre_unix = 0x8000_0000_0000_0000;
        assert_eq!(parse(&reply(pre_unix, pre_unix), NONCE, 0, 0), Err(SntpError::OutOfRange(0)));
        let year_2104 = 0x7FFF_FFFF_0000_0000;
        assert_eq!(parse(&reply(year_2104, year_2104), NONCE, 0, 0), Err(SntpError::OutOfRange(4_233_462_143_000)));
    }

    #[test]
    fn seconds_below_2_to_the_31_are_read_as_era_1_after_the_2036_rollover() {
        assert_eq!(unix_ms_from_ntp(0x0000_0001_0000_0000), Some(2_085_978_497_000));
        assert_eq!(unix_ms_from_ntp(0xFFFF_FFFF_8000_0000), Some(2_085_978_495_500));
        // T2 in era 0 (06:28:15.9375), T3 in era 1 (06:28:16.03125): 94 ms of processing.
        let reply = reply(0xFFFF_FFFF_F000_0000, 0x0000_0000_0800_0000);
        assert_eq!(parse(&reply, NONCE, 0, 100), Ok(2_085_978_496_031 + 3));
    }
}
