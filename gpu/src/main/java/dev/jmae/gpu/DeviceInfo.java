package dev.jmae.gpu;

import dev.jmae.tensor.Device;

import java.util.Map;

/**
 * One device as {@code jmae devices} lists it: what it is, how much memory it has and which driver
 * and library versions serve it.
 *
 * @param device the device name jmae uses, e.g. {@code cuda:0} or {@code opencl:1}
 * @param name the vendor's device name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param architecture what the device can run: {@code compute capability 9.0} for CUDA,
 *     the OpenCL version string (e.g. {@code OpenCL 3.0 PoCL ...}) for OpenCL
 * @param memoryBytes device memory in bytes (for a CPU driver, what it reports)
 * @param versions driver and runtime versions by component, in display order (e.g.
 *     {@code driver -> 13.0}, {@code nvrtc -> 13.0}, {@code cublasLt -> 13.0.1}); a component that
 *     is missing maps to the reason
 * @param properties further facts by name, in display order (multiprocessors, compute units,
 *     UUID, ...)
 */
public record DeviceInfo(Device device, String name, String architecture, long memoryBytes,
                         Map<String, String> versions, Map<String, String> properties) {

    /**
     * Copies the maps (keeping their order).
     */
    public DeviceInfo {
        versions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(versions));
        properties = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }
}
