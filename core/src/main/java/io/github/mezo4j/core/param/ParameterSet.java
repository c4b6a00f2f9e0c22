package io.github.mezo4j.core.param;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ordered collection of uniquely named {@link Parameter}s. Views made by {@link #select} share
 * the same storage, so perturbing a selection perturbs the model.
 */
public final class ParameterSet implements Iterable<Parameter> {
  private final Map<String, Parameter> byName;

  private ParameterSet(Map<String, Parameter> byName) {
    this.byName = byName;
  }

  /** A set holding {@code params} in the given order; names must be unique. */
  public static ParameterSet of(List<Parameter> params) {
    Map<String, Parameter> map = new LinkedHashMap<>();
    for (Parameter p : params) {
      Parameter previous = map.putIfAbsent(p.name(), p);
      if (previous != null) {
        throw new IllegalArgumentException("duplicate parameter name '" + p.name() + "'");
      }
    }
    return new ParameterSet(Collections.unmodifiableMap(map));
  }

  /** A set of {@code params} in the given order; names must be unique. */
  public static ParameterSet of(Parameter... params) {
    return of(List.of(params));
  }

  /** The parameters accepted by {@code selector}, in this set's order, sharing storage. */
  public ParameterSet select(Selector selector) {
    List<Parameter> chosen = new ArrayList<>();
    for (Parameter p : byName.values()) {
      if (selector.test(p)) {
        chosen.add(p);
      }
    }
    return of(chosen);
  }

  /** The parameter called {@code name}. */
  public Parameter get(String name) {
    Parameter p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no parameter named '" + name + "'");
    }
    return p;
  }

  /** Whether a parameter is called {@code name}. */
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The parameters in this set's order. */
  public List<Parameter> list() {
    return List.copyOf(byName.values());
  }

  /** The names in this set's order. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** The number of parameters. */
  public int count() {
    return byName.size();
  }

  /** Whether the set holds no parameter. */
  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /** Total number of elements. */
  public long elementCount() {
    long n = 0;
    for (Parameter p : byName.values()) {
      n += p.size();
    }
    return n;
  }

  /** The first parameter (in set order) stored as {@code dtype}, if any. */
  public Optional<Parameter> firstOf(DType dtype) {
    for (Parameter p : byName.values()) {
      if (p.dtype() == dtype) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Total bytes of storage. */
  public long bytes() {
    long n = 0;
    for (Parameter p : byName.values()) {
      n += p.bytes();
    }
    return n;
  }

  /** A deep copy (for snapshots and tests; training itself never copies weights). */
  public ParameterSet copy() {
    List<Parameter> copies = new ArrayList<>();
    for (Parameter p : byName.values()) {
      copies.add(p.copy());
    }
    return of(copies);
  }

  /** True if both sets hold the same parameters, in the same order, bit for bit. */
  public boolean contentEquals(ParameterSet other) {
    if (count() != other.count()) {
      return false;
    }
    Iterator<Parameter> a = iterator();
    Iterator<Parameter> b = other.iterator();
    while (a.hasNext()) {
      if (!a.next().contentEquals(b.next())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Iterator<Parameter> iterator() {
    return byName.values().iterator();
  }

  @Override
  public String toString() {
    return "ParameterSet" + byName.keySet();
  }
}
