import CJemalloc
import CortadoCLICommands

// NOTE: referencing jemalloc keeps the linker from dropping it, so it replaces the
// system malloc for the whole process (measurably faster for many small JSON values).
_ = malloc_usable_size(nil)
CortadoCommand.main()
