//! Binding listening sockets.
//!
//! The default binds are `0.0.0.0:PORT`. Where the OS allows, the servers
//! also listen on `[::]:PORT` (IPv6 only, so the two sockets don't clash)
//! so IPv6 clients reach the same tracker: that is what "dual-stack" means
//! here. An explicit IPv6 address is bound IPv6-only as well.

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{Ipv6Addr, SocketAddr};

/// Binds a UDP socket (blocking mode, large buffers for bursts).
pub fn bind_udp(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    // Larger kernel buffers absorb announce bursts; the kernel caps them at
    // net.core.rmem_max, so failure to get the full size is fine.
    let _ = socket.set_recv_buffer_size(8 << 20);
    let _ = socket.set_send_buffer_size(8 << 20);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Binds a TCP listener for an HTTP server (non-blocking, for tokio).
pub fn bind_tcp(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// The IPv6 twin of an unspecified IPv4 bind (`0.0.0.0:P` -> `[::]:P'`,
/// where P' is the port actually bound, so port 0 gets the same port on
/// both), or `None` when `requested` names a specific address.
pub fn ipv6_twin(requested: SocketAddr, bound: SocketAddr) -> Option<SocketAddr> {
    match requested {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => {
            Some(SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), bound.port()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unspecified_ipv4_bind_gets_an_ipv6_twin() {
        let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let bound: SocketAddr = "0.0.0.0:6969".parse().unwrap();
        assert_eq!(ipv6_twin(any, bound), Some("[::]:6969".parse().unwrap()));
        let local: SocketAddr = "127.0.0.1:6969".parse().unwrap();
        assert_eq!(ipv6_twin(local, local), None);
    }

    #[test]
    fn ipv4_and_ipv6_wildcards_share_a_port() {
        let v4 = bind_udp("0.0.0.0:0".parse().unwrap()).unwrap();
        let bound = v4.local_addr().unwrap();
        let twin = ipv6_twin("0.0.0.0:0".parse().unwrap(), bound).unwrap();
        // Not every test machine has IPv6; where it has, the twin binds.
        if let Ok(v6) = bind_udp(twin) {
            assert_eq!(v6.local_addr().unwrap().port(), bound.port());
        }
    }
}
