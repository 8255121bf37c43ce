package dev.jmae.gpu;

import dev.jmae.tensor.Device;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jmae devices} for OpenCL: what the driver reports about each probed device
 * ({@code clGetDeviceInfo}, {@code clGetPlatformInfo}), without creating a context.
 */
final class ClDeviceInfo {

    private ClDeviceInfo() {
    }

    /**
     * Describes devices in {@code opencl:N} order.
     *
     * @param platforms each device's platform
     * @param devices the devices
     * @return one entry per device
     */
    static List<DeviceInfo> describe(List<cl_platform_id> platforms, List<cl_device_id> devices) {
        List<DeviceInfo> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            cl_device_id d = devices.get(i);
            cl_platform_id p = platforms.get(i);
            try {
                Map<String, String> versions = new LinkedHashMap<>();
                versions.put("platform", platformString(p, CL.CL_PLATFORM_NAME) + " ("
                        + platformString(p, CL.CL_PLATFORM_VERSION) + ")");
                versions.put("driver", ClRuntime.deviceString(d, CL.CL_DRIVER_VERSION).trim());
                versions.put("OpenCL C", ClRuntime.deviceString(d, CL.CL_DEVICE_OPENCL_C_VERSION).trim());
                long[] type = new long[1];
                CL.clGetDeviceInfo(d, CL.CL_DEVICE_TYPE, Sizeof.cl_long, Pointer.to(type), null);
                Map<String, String> props = new LinkedHashMap<>();
                props.put("type", (type[0] & CL.CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                        : (type[0] & CL.CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "other");
                props.put("vendor", ClRuntime.deviceString(d, CL.CL_DEVICE_VENDOR).trim());
                props.put("compute units", Integer.toString(uint(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS)));
                props.put("max work-group size", Long.toString(sizeT(d, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE)));
                props.put("local memory", ulong(d, CL.CL_DEVICE_LOCAL_MEM_SIZE) / 1024 + " KiB");
                out.add(new DeviceInfo(new Device("opencl", i), ClRuntime.deviceString(d, CL.CL_DEVICE_NAME).trim(),
                        ClRuntime.deviceString(d, CL.CL_DEVICE_VERSION).trim(), ulong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE),
                        versions, props));
            } catch (CLException e) {
                out.add(new DeviceInfo(new Device("opencl", i), "(unreadable: " + e.getMessage() + ")", "", 0,
                        Map.of(), Map.of()));
            }
        }
        return out;
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, buffer.length, Pointer.to(buffer), null);
        int n = buffer.length > 0 && buffer[buffer.length - 1] == 0 ? buffer.length - 1 : buffer.length;
        return new String(buffer, 0, n, StandardCharsets.UTF_8).trim();
    }

    private static long ulong(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long sizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    private static int uint(cl_device_id d, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }
}
