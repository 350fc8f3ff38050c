package dev.magnitude.worker.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SymbolBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.core.run.ModuleDigest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The {@code torchscript} encoder: a TorchScript module, fine-tuned. Contract of the module:
 * {@code forward(input_ids int64 (B, S), attention_mask int64 (B, S)) -> float32 (B, E)}, the raw embedding.
 * Inputs are packed by the encoder's {@link TokenPacking}, as for {@link TextEncoder}: {@code input_ids} padded
 * with the data tokenizer's padding id, every batch padded to exactly S; {@code attention_mask} is 1 within each
 * text's real length and 0 after it (never derived from the ids, so a tokenizer whose padding id is not 0, or
 * whose {@code <s>} is 0, gets correct masks).
 *
 * <p>Loading: DJL's PyTorch engine loads the file as a {@code PtSymbolBlock} ({@code Model.load} with option
 * {@code trainParam = true}: without it DJL 0.36 freezes every parameter of a loaded module; and
 * {@code mapLocation = true}, so a module saved on CPU trains on the run's GPU and vice versa). The module's
 * parameters are its {@code named_parameters()}; the run's Adam updates them in place, and the module's forward
 * reads them, in training mode ({@code module.train()}, so its dropout is active) or eval mode. A module on
 * another file system is copied to a local temporary file first (libtorch reads local files only). Before
 * training, a probe forward checks the contract: the output is float32 (1, E) with E = {@code embedding-dim},
 * and the module can embed the data's highest token id.
 *
 * <p>Checkpoints: DJL's own {@code PtSymbolBlock.saveParameters} writes the whole module and its
 * {@code loadParameters} swaps in a new native module while the parameter arrays DJL handed out (the ones the
 * Trainer and the optimizer hold) stay those of the old one. So the block here ({@link #block()}) saves the
 * parameter arrays by name and loads them back by copying into the module's own arrays in place: after a
 * load, the module, the Trainer and the optimizer all see the restored values.
 *
 * <p>Must be closed (it owns the native module). Not thread-safe.
 */
public final class TorchScriptEncoder implements TextTower, AutoCloseable {
  /** The {@code Model.load} option of DJL 0.36's PyTorch engine that keeps a module's parameters trainable. */
  static final String TRAIN_PARAM = "trainParam";
  /** The {@code Model.load} option that loads the module onto the model's device whatever device it was saved from. */
  static final String MAP_LOCATION = "mapLocation";

  private final EncoderSpec spec;
  private final TokenPacking packing;
  private final Model module;
  private final ModuleBlock block;

  private TorchScriptEncoder(EncoderSpec spec, TokenPacking packing, Model module, SymbolBlock symbol) {
    this.spec = spec;
    this.packing = packing;
    this.module = module;
    this.block = new ModuleBlock(symbol);
  }

  /** {@link #load(EncoderSpec, TokenPacking, Device, Configuration, String)} for built-in tokenizer data. */
  public static TorchScriptEncoder load(EncoderSpec spec, Device device, Configuration conf, String name)
      throws IOException {
    return load(spec, TokenPacking.BUILTIN, device, conf, name);
  }

  /**
   * Loads {@code spec.path()} onto {@code device} and probes it.
   *
   * @param packing the padding of the data's tokenizer
   * @param name the module's model name (for logs)
   * @throws IOException if the file cannot be read or is not a TorchScript module
   * @throws IllegalArgumentException if the module breaks the contract (output shape or type, E, vocabulary)
   */
  public static TorchScriptEncoder load(
      EncoderSpec spec, TokenPacking packing, Device device, Configuration conf, String name) throws IOException {
    if (!EncoderSpec.TORCHSCRIPT.equals(spec.kind())) {
      throw new IllegalArgumentException("TorchScriptEncoder builds encoder kind = torchscript, not " + spec.kind());
    }
    Path source = new Path(spec.path());
    java.nio.file.Path local;
    java.nio.file.Path copy = null;
    String scheme = source.toUri().getScheme();
    if (scheme == null || scheme.equals("file")) {
      local = java.nio.file.Path.of(source.toUri().getPath());
      if (!Files.isRegularFile(local)) {
        throw new IOException("encoder.path = " + spec.path() + ": no such file (the TorchScript module)");
      }
    } else {
      FileSystem fs = source.getFileSystem(conf);
      if (!fs.exists(source)) {
        throw new IOException("encoder.path = " + spec.path() + ": no such file (the TorchScript module)");
      }
      copy = Files.createTempFile("magnitude-torchscript-", ".pt");
      fs.copyToLocalFile(false, source, new Path(copy.toUri()), true);
      local = copy;
    }
    if (spec.moduleSha256() != null) {
      String actual;
      try (InputStream in = Files.newInputStream(local)) {
        actual = ModuleDigest.sha256(in);
      } catch (IOException e) {
        deleteCopy(copy);
        throw e;
      }
      if (!actual.equals(spec.moduleSha256())) {
        deleteCopy(copy);
        throw new IllegalArgumentException("encoder.path = " + spec.path() + ": the TorchScript module changed since "
            + "this run was planned (its spec pins sha256 " + spec.moduleSha256() + ", the file now has " + actual
            + "); this run's id names the old module, so it is not trained with another one: plan the sweep again "
            + "(the new module gives new run ids), or put the old module back");
      }
    }
    Model model = Model.newInstance(name, device, "PyTorch");
    try {
      model.load(local, null, Map.of(TRAIN_PARAM, "true", MAP_LOCATION, "true"));
      if (!(model.getBlock() instanceof SymbolBlock symbol)) {
        throw new IOException("encoder.path = " + spec.path() + " did not load as a TorchScript module");
      }
      TorchScriptEncoder encoder = new TorchScriptEncoder(spec, packing, model, symbol);
      encoder.prepareParameters();
      encoder.probe();
      return encoder;
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      if (e instanceof IllegalArgumentException) {
        throw (IllegalArgumentException) e;
      }
      throw new IOException("encoder.path = " + spec.path() + ": cannot load the TorchScript module: " + e.getMessage(), e);
    } catch (IOException e) {
      model.close();
      throw e;
    } finally {
      deleteCopy(copy);
    }
  }

  private static void deleteCopy(java.nio.file.Path copy) throws IOException {
    if (copy != null) {
      Files.deleteIfExists(copy);
    }
  }

  /** One eval-mode forward of the fallback token and the data's highest id: checks the contract before any training. */
  private void probe() {
    int highest = spec.vocabularySize() - 1;
    try (NDManager scope = module.getNDManager().newSubManager()) {
      NDArray out;
      try {
        out = embed(new ParameterStore(scope, false), scope,
            List.of(new int[] {packing.fallbackId(), highest}), false);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "encoder.path = " + spec.path() + ": the TorchScript module fails on input_ids (1, " + spec.maxLength()
                + ") int64 holding token ids up to " + highest + " (the data's vocabulary has "
                + spec.vocabularySize() + " ids) and attention_mask (1, " + spec.maxLength() + ") int64: " + e.getMessage(),
            e);
      }
      Shape shape = out.getShape();
      if (out.getDataType() != DataType.FLOAT32 || shape.dimension() != 2 || shape.get(0) != 1) {
        throw new IllegalArgumentException(
            "encoder.path = " + spec.path() + ": the TorchScript module must return float32 (B, E); for B = 1 it "
                + "returned " + out.getDataType() + " " + shape);
      }
      if (shape.get(1) != spec.embeddingDim()) {
        throw new IllegalArgumentException(
            "encoder.path = " + spec.path() + ": the TorchScript module returns embeddings of " + shape.get(1)
                + " dimensions but encoder.embedding-dim = " + spec.embeddingDim() + "; set magnitude.train.encoder"
                + ".embedding-dim = " + shape.get(1));
      }
    }
  }

  @Override
  public EncoderSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return block;
  }

  /** input_ids and attention_mask, each (B, S). */
  @Override
  public Shape[] inputShapes(int batchSize) {
    Shape s = new Shape(batchSize, spec.maxLength());
    return new Shape[] {s, s};
  }

  @Override
  public NDArray embed(ParameterStore parameters, NDManager manager, List<int[]> texts, boolean training) {
    TokenPacking.Packed packed = packing.pack(texts, spec.maxLength());
    NDArray ids = packed.ids(manager).toType(DataType.INT64, false);
    NDArray mask = packed.mask(manager).toType(DataType.INT64, false);
    NDList out = block.forward(parameters, new NDList(ids, mask), training);
    if (out.size() != 1) {
      throw new IllegalArgumentException(
          "encoder.path = " + spec.path() + ": the TorchScript module must return one tensor, returned " + out.size());
    }
    NDArray embeddings = out.singletonOrThrow();
    embeddings.attach(manager);
    return embeddings;
  }

  @Override
  public void close() {
    module.close();
  }

  /**
   * The module as a block whose checkpoint format is its parameters by name (see the class comment). The
   * module is loaded, so it needs no initialization.
   */
  static final class ModuleBlock extends AbstractBlock {
    private static final byte VERSION = 1;
    private final SymbolBlock module;

    ModuleBlock(SymbolBlock module) {
      super(VERSION);
      this.module = addChildBlock("module", module);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      // loaded with its parameters
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
      return module.forward(parameterStore, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {new Shape(inputShapes[0].get(0), -1)};
    }

    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
      os.writeByte(VERSION);
      PairList<String, Parameter> parameters = getParameters();
      os.writeInt(parameters.size());
      for (Pair<String, Parameter> p : parameters) {
        os.writeUTF(p.getKey());
        byte[] bytes = p.getValue().getArray().encode();
        os.writeInt(bytes.length);
        os.write(bytes);
      }
    }

    @Override
    public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
      byte version = is.readByte();
      if (version != VERSION) {
        throw new MalformedModelException("TorchScript parameters of version " + version + ", expected " + VERSION);
      }
      Map<String, Parameter> named = new LinkedHashMap<>();
      getParameters().forEach(p -> named.put(p.getKey(), p.getValue()));
      int count = is.readInt();
      if (count != named.size()) {
        throw new MalformedModelException(
            "the checkpoint holds " + count + " TorchScript parameters, the module has " + named.size());
      }
      try (NDManager scope = manager.newSubManager()) {
        for (int i = 0; i < count; i++) {
          String name = is.readUTF();
          int length = is.readInt();
          if (length < 0) {
            throw new MalformedModelException("negative array length " + length + " of parameter " + name);
          }
          byte[] bytes = new byte[length];
          is.readFully(bytes);
          Parameter parameter = named.get(name);
          if (parameter == null) {
            throw new MalformedModelException("the module has no parameter " + name + "; it has " + named.keySet());
          }
          NDArray saved = NDArray.decode(scope, bytes);
          NDArray target = parameter.getArray();
          if (!saved.getShape().equals(target.getShape()) || saved.getDataType() != target.getDataType()) {
            throw new MalformedModelException(
                "parameter " + name + " is " + saved.getDataType() + " " + saved.getShape() + " in the checkpoint but "
                    + target.getDataType() + " " + target.getShape() + " in the module");
          }
          // In place: the module, the Trainer and the optimizer hold this very array.
          target.set(saved.toByteBuffer());
        }
      }
    }
  }
}
