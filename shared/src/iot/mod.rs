//! IoT: what sensor nodes measure ([`sensor`]), the signed node protocol ([`wire`] and
//! [`frame`]), what the server checks in a frame before storing it ([`check`]), the server's
//! record of committed frames ([`replay`]) and the node's behaviour as a sans-IO state machine
//! ([`node`]) shared by the firmware, the simulator and the tests.

pub mod check;
pub mod codes;
pub mod dto;
pub mod frame;
pub mod node;
pub mod replay;
pub mod sensor;
pub mod wire;
