package io.github.mezo4j.spark;

import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.spark.exchange.LocalExchange;
import io.github.mezo4j.spark.exchange.TcpExchange;
import io.github.mezo4j.train.trainer.LossExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** A hub and its workers' ends, in memory ("local") or over TCP on 127.0.0.1 ("tcp"). */
final class TestExchange implements AutoCloseable {
  private final ExchangeHub hub;
  private final LocalExchange local;
  private final TcpExchange.Server server;
  private final List<TcpExchange.WorkerEnd> open = new ArrayList<>();

  TestExchange(ExchangeHub hub, String transport) throws IOException {
    this.hub = hub;
    this.local = new LocalExchange(hub);
    this.server =
        transport.equals("tcp") ? TcpExchange.serve(hub, InetAddress.getLoopbackAddress()) : null;
  }

  ExchangeHub hub() {
    return hub;
  }

  /** A new end for worker {@code rank}. */
  synchronized LossExchange.Client client(int rank) {
    if (server == null) {
      return local.client(rank);
    }
    try {
      TcpExchange.WorkerEnd end =
          TcpExchange.connect("127.0.0.1", server.port(), rank, hub.workers(), 5_000);
      open.add(end);
      return end;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    for (TcpExchange.WorkerEnd c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }
}
