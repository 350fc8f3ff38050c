package dev.magnitude.worker.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;

/** Stand-alone DJL parameters for optimizer tests. */
final class TestParameters {
  private TestParameters() {}

  /** A parameter of that name and type holding {@code values} (shape (n)). */
  static Parameter parameter(NDManager manager, String name, Parameter.Type type, float[] values) {
    Parameter p = Parameter.builder().setName(name).setType(type).build();
    p.setArray(manager.create(values));
    return p;
  }

  /** The one parameter, under its own name as its path. */
  static PairList<String, Parameter> names(Parameter p) {
    PairList<String, Parameter> list = new PairList<>();
    list.add(p.getName(), p);
    return list;
  }
}
