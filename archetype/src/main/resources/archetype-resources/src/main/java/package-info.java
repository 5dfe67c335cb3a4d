/** The handler of this bundle. Nothing exported: the container finds it as a service. */
package ${package};
