// The socket options every tunnel socket gets, client side and upstream side.
//
//   SetTunnelSocketOptions(socket);   // after accept / connect
//
// TCP_NODELAY: the relay forwards what it reads at once, so Nagle would only
// add latency to interactive protocols (SSH keystrokes, Redis round trips).
// SO_KEEPALIVE with short timers: tunnels may sit idle for hours (the idle
// timeout is off by default), and a peer that vanished without a FIN (a
// laptop closed, a NAT entry expired) is noticed after about two minutes
// instead of holding the tunnel forever. Values: first probe after 60 s idle,
// then every 15 s, given up after 4 unanswered.
#ifndef POSTERN_PROXY_SOCKET_OPTIONS_H_
#define POSTERN_PROXY_SOCKET_OPTIONS_H_

#include <boost/asio/ip/tcp.hpp>

namespace postern::proxy {

// SetTunnelSocketOptions sets TCP_NODELAY and keepalive on `socket`, which
// must be open. Failures are ignored: the tunnel works without them (e.g. a
// socket the peer already reset), only less well.
void SetTunnelSocketOptions(boost::asio::ip::tcp::socket& socket);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_SOCKET_OPTIONS_H_
