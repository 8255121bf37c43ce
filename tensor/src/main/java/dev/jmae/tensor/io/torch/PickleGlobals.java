package dev.jmae.tensor.io.torch;

import java.util.Set;

/**
 * Which globals a pickle may name. The reader calls none of them: a handful are understood as
 * data (PyTorch's tensor rebuild functions and storage types, {@code collections.OrderedDict},
 * sets, {@code _codecs.encode} for bytes), every other global becomes an inert
 * {@link PickleObject}. A global on the deny-list below, the entry points that pickle exploits
 * use to run code, makes the whole file refused ({@link UnsafePickleException}), since such a
 * file exists to attack whoever opens it with {@code torch.load}.
 *
 * <p>Denied: every name in the modules {@code os}, {@code posix}, {@code nt}, {@code subprocess},
 * {@code pty}, {@code socket}, {@code shutil}, {@code sys}, {@code importlib}, {@code runpy},
 * {@code code}, {@code ctypes}, {@code pickle}, {@code marshal}, {@code webbrowser},
 * {@code multiprocessing} and the others listed in {@link #DENIED_MODULES} (and their
 * submodules); the builtins {@code eval}, {@code exec}, {@code compile}, {@code open},
 * {@code getattr}, {@code setattr}, {@code __import__} and the others in {@link #DENIED_NAMES};
 * and any dotted name reaching a dunder attribute ({@code object.__subclasses__}).
 * Source: the unsafe-globals lists of picklescan and of PyTorch's {@code weights_only} unpickler,
 * which allows far less and so refuses the official checkpoints (their {@code args} is an
 * {@code argparse.Namespace}).
 */
public final class PickleGlobals {

    /** Modules (and their submodules) whose every global is refused. */
    public static final Set<String> DENIED_MODULES = Set.of("os", "posix", "nt", "subprocess", "pty", "commands",
            "popen2", "socket", "shutil", "sys", "importlib", "imp", "runpy", "code", "codeop", "ctypes", "_ctypes",
            "pickle", "_pickle", "cPickle", "marshal", "dill", "cloudpickle", "joblib", "webbrowser", "multiprocessing",
            "asyncio", "signal", "pdb", "bdb", "trace", "profile", "cProfile", "timeit", "pydoc", "idlelib", "platform",
            "shelve", "pkgutil", "zipimport", "site", "pip", "setuptools", "distutils", "urllib", "urllib2",
            "http", "httplib", "requests", "ftplib", "smtplib", "telnetlib", "_thread", "_posixsubprocess", "_winapi",
            "msvcrt", "winreg", "_winreg");

    /** Single globals refused, {@code module.name}. */
    public static final Set<String> DENIED_NAMES = Set.of(
            "builtins.eval", "builtins.exec", "builtins.execfile", "builtins.compile", "builtins.open",
            "builtins.getattr", "builtins.setattr", "builtins.delattr", "builtins.__import__", "builtins.globals",
            "builtins.locals", "builtins.vars", "builtins.input", "builtins.breakpoint", "builtins.help",
            "builtins.memoryview", "builtins.apply", "builtins.file", "builtins.reload",
            "__builtin__.eval", "__builtin__.exec", "__builtin__.execfile", "__builtin__.compile",
            "__builtin__.open", "__builtin__.getattr", "__builtin__.setattr", "__builtin__.delattr",
            "__builtin__.__import__", "__builtin__.globals", "__builtin__.locals", "__builtin__.vars",
            "__builtin__.input", "__builtin__.file", "__builtin__.apply", "__builtin__.reload",
            "operator.attrgetter", "operator.methodcaller", "functools.partial", "functools.reduce",
            "copyreg._reconstructor_unsafe", "torch.load", "torch.serialization.load", "torch.storage._load_from_bytes",
            "torch.hub.load", "torch.hub.load_state_dict_from_url", "torch.jit.load", "torch._C._jit_script_compile",
            "torch.classes.load_library", "torch.ops.load_library", "numpy.load",
            "numpy.testing._private.utils.runstring",
            "numpy.lib.npyio.load", "numpy.f2py.compile", "pandas.read_pickle", "io.open", "io.open_code", "io.FileIO",
            "_io.open", "_io.open_code", "_io.FileIO", "types.FunctionType", "types.CodeType", "types.MethodType",
            "types.LambdaType", "types.BuiltinFunctionType");

    private PickleGlobals() {
    }

    /**
     * Whether a global is on the deny-list.
     *
     * @param module the module a pickle names
     * @param name the (possibly dotted) name
     * @return true if naming it makes a file refused
     */
    public static boolean denied(String module, String name) {
        String top = module;
        int dot = module.indexOf('.');
        if (dot >= 0) {
            top = module.substring(0, dot);
        }
        if (DENIED_MODULES.contains(top) || DENIED_MODULES.contains(module)) {
            return true;
        }
        if (DENIED_NAMES.contains(module + "." + name)) {
            return true;
        }
        // a dotted name is an attribute walk (getattr); dunders there reach interpreter internals
        for (String part : name.split("\\.", -1)) {
            if (part.length() > 4 && part.startsWith("__") && part.endsWith("__") && name.contains(".")) {
                return true;
            }
        }
        int nameDot = name.indexOf('.');
        return nameDot >= 0 && DENIED_NAMES.contains(module + "." + name.substring(0, nameDot));
    }
}
